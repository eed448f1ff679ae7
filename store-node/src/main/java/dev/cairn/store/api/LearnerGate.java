package dev.cairn.store.api;

import dev.cairn.proto.etcdserverpb.MaintenanceGrpc;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.StatusRequest;
import dev.cairn.store.server.MemberStatus;
import dev.cairn.store.support.StoreError;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * etcd's learner restriction (its gRPC interceptors): while this member is a learner it answers
 * only what it can answer from its own state, and refuses every other call with "etcdserver: rpc
 * not supported for learner". The check is made per call, so a promoted member serves everything
 * from its next call on.
 */
final class LearnerGate implements ServerInterceptor {
  private final MemberStatus member;

  LearnerGate(MemberStatus member) {
    this.member = member;
  }

  /**
   * Whether a learner serves this call, as etcd 3.6 decides ({@code isRPCSupportedForLearner} for
   * unary calls, one exception for streams): Status, a serializable Range, and the Snapshot stream.
   *
   * @param request the unary call's request; ignored for streams
   */
  static boolean allowedOnLearner(MethodDescriptor<?, ?> method, Object request) {
    if (method.getType() != MethodDescriptor.MethodType.UNARY) {
      return method
          .getFullMethodName()
          .equals(MaintenanceGrpc.getSnapshotMethod().getFullMethodName());
    }
    if (request instanceof StatusRequest) {
      return true;
    }
    return request instanceof RangeRequest r && r.getSerializable();
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    MethodDescriptor<Q, A> method = call.getMethodDescriptor();
    if (method.getType() != MethodDescriptor.MethodType.UNARY) {
      if (member.isLearner() && !allowedOnLearner(method, null)) {
        return refuse(call);
      }
      return next.startCall(call, headers);
    }
    // A unary call is judged by its request, which has to be read first.
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(call, headers)) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (!refused && member.isLearner() && !allowedOnLearner(method, message)) {
          refused = true;
          call.close(GrpcErrors.status(StoreError.NOT_SUPPORTED_FOR_LEARNER), new Metadata());
          return;
        }
        if (!refused) {
          super.onMessage(message);
        }
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  private static <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call) {
    call.close(GrpcErrors.status(StoreError.NOT_SUPPORTED_FOR_LEARNER), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
