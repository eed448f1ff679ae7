package dev.cairn.store.transport;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses peer streams from another cluster before any of their messages is read. Methods named
 * open are let through unchecked, with no sender in their context.
 */
final class ClusterIdCheck implements ServerInterceptor {
  /** The sending member's id, for the stream's handler. */
  static final Context.Key<Long> SENDER = Context.key("cairn-peer-sender");

  private static final Logger log = LoggerFactory.getLogger(ClusterIdCheck.class);
  private final long clusterId;
  private final Set<String> open;

  ClusterIdCheck(long clusterId, MethodDescriptor<?, ?>... open) {
    this.clusterId = clusterId;
    this.open =
        Arrays.stream(open).map(MethodDescriptor::getFullMethodName).collect(Collectors.toSet());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (open.contains(call.getMethodDescriptor().getFullMethodName())) {
      return next.startCall(call, headers);
    }
    Long sender = PeerHeaders.id(headers, PeerHeaders.MEMBER_ID);
    Long remote = PeerHeaders.id(headers, PeerHeaders.CLUSTER_ID);
    if (sender == null || remote == null) {
      return refuse(call, Status.INVALID_ARGUMENT, "peer stream without member or cluster ID");
    }
    if (remote != clusterId) {
      String why =
          String.format(
              "cluster ID mismatch: local=%x, remote=%x (member %x)", clusterId, remote, sender);
      log.warn("refused a peer stream: {}", why);
      return refuse(call, Status.FAILED_PRECONDITION, why);
    }
    return Contexts.interceptCall(Context.current().withValue(SENDER, sender), call, headers, next);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(
      ServerCall<Q, R> call, Status status, String why) {
    call.close(status.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
