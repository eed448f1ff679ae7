package dev.cairn.store.coordination;

import dev.cairn.proto.etcdserverpb.WatchResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The errors of etcd's election and lock services, as its gRPC server sends them.
 *
 * <p>Those services return the errors of etcd's Go client unconverted, and gRPC sends an error that
 * carries no gRPC status as {@code UNKNOWN} with the error's text. So their own errors ({@code
 * "election: not leader"}, ...) arrive as {@code UNKNOWN}, and so do the errors of the KV, Lease
 * and Watch calls they make: etcd's client turns every status whose text is one of etcd's errors
 * (they all begin with {@code "etcdserver: "}) into a plain error, which loses its code. Other
 * statuses (a lost connection, say) keep their code.
 */
final class Errors {
  static final String NOT_LEADER = "election: not leader";
  static final String NO_LEADER = "election: no leader";
  static final String MISSING_LEADER_KEY = "\"leader\" field must be provided";
  static final String SESSION_EXPIRED = "mutex: session is expired";
  static final String LOST_WATCHER = "lost watcher waiting for delete";
  static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
  static final String FUTURE_REV = "etcdserver: mvcc: required revision is a future revision";

  private static final String ETCD_ERROR_PREFIX = "etcdserver: ";

  private Errors() {}

  static StatusRuntimeException unknown(String description) {
    return Status.UNKNOWN.withDescription(description).asRuntimeException();
  }

  /** The error etcd's Go client reports for a watch that etcd cancelled. */
  static StatusRuntimeException watchCanceled(WatchResponse response) {
    if (response.getCompactRevision() != 0) {
      return unknown(COMPACTED);
    }
    if (!response.getCancelReason().isEmpty()) {
      return Status.FAILED_PRECONDITION
          .withDescription(response.getCancelReason())
          .asRuntimeException();
    }
    return unknown(FUTURE_REV);
  }

  /** A watch stream that ended without an error before it saw what it waited for. */
  static final class LostWatch extends RuntimeException {
    LostWatch() {
      super(LOST_WATCHER, null, false, false);
    }
  }

  /** The status to answer a served RPC with, given why it failed. */
  static Status toStatus(Throwable failure, Context rpc) {
    if (rpc.isCancelled()) {
      Status cancelled = Contexts.statusFromCancelled(rpc);
      if (cancelled != null) {
        return cancelled;
      }
    }
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof StatusRuntimeException || t instanceof StatusException) {
      Status status = Status.fromThrowable(t);
      String description = status.getDescription();
      if (description != null && description.startsWith(ETCD_ERROR_PREFIX)) {
        return Status.UNKNOWN.withDescription(description);
      }
      return status;
    }
    if (t instanceof LostWatch) {
      return Status.UNKNOWN.withDescription(LOST_WATCHER);
    }
    return Status.UNKNOWN.withDescription(String.valueOf(t.getMessage())).withCause(t);
  }
}
