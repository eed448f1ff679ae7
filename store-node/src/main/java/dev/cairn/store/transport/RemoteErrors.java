package dev.cairn.store.transport;

import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * How a failure crosses from the member that answers a cluster call to the one that asked: a {@link
 * StoreException} as {@code FAILED_PRECONDITION} with the description {@value #PREFIX} and the
 * error's name, anything else as a plain status.
 */
final class RemoteErrors {
  static final String PREFIX = "cairn-error:";

  private RemoteErrors() {}

  static Status toStatus(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof StoreException e) {
      return Status.FAILED_PRECONDITION.withDescription(PREFIX + e.error().name());
    }
    if (t instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(t.getMessage());
    }
    if (t instanceof IllegalStateException) {
      return Status.FAILED_PRECONDITION.withDescription(t.getMessage());
    }
    return Status.INTERNAL.withDescription(t.toString());
  }

  /**
   * The failure to complete the asker's future with: the peer's StoreException, or an
   * IllegalStateException naming the peer, the call and the status.
   */
  static RuntimeException fromStatus(long peer, String method, Throwable failure) {
    Throwable t = unwrap(failure);
    if (!(t instanceof StatusException || t instanceof StatusRuntimeException)
        && t instanceof RuntimeException local) {
      return local; // failed before reaching the peer
    }
    Status s = Status.fromThrowable(t);
    String d = s.getDescription();
    if (s.getCode() == Status.Code.FAILED_PRECONDITION && d != null && d.startsWith(PREFIX)) {
      try {
        return new StoreException(StoreError.valueOf(d.substring(PREFIX.length())));
      } catch (IllegalArgumentException unknown) {
        // An error this version does not know: reported as it came.
      }
    }
    return new IllegalStateException(
        String.format(
            "peer %x failed %s: %s%s", peer, method, s.getCode(), d == null ? "" : " (" + d + ")"),
        t);
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
