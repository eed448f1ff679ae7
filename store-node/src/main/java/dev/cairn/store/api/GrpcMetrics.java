package dev.cairn.store.api;

import dev.cairn.store.metrics.StoreMetrics;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.util.List;

/** Counts every gRPC call as go-grpc-prometheus does in etcd: started, handled, messages. */
final class GrpcMetrics implements ServerInterceptor {
  private final StoreMetrics metrics;

  GrpcMetrics(StoreMetrics metrics) {
    this.metrics = metrics;
  }

  /**
   * Creates every method's series at zero, as etcd does at start, so rates exist from the first
   * scrape.
   */
  void preinitialise(List<ServerServiceDefinition> services) {
    for (ServerServiceDefinition s : services) {
      for (ServerMethodDefinition<?, ?> m : s.getMethods()) {
        Labels l = Labels.of(m.getMethodDescriptor());
        metrics.grpcStarted.labelValues(l.type, l.service, l.method);
        metrics.grpcReceived.labelValues(l.type, l.service, l.method);
        metrics.grpcSent.labelValues(l.type, l.service, l.method);
        for (Status.Code c : Status.Code.values()) {
          metrics.grpcHandled.labelValues(l.type, l.service, l.method, goName(c));
        }
      }
    }
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    Labels l = Labels.of(call.getMethodDescriptor());
    metrics.grpcStarted.labelValues(l.type, l.service, l.method).inc();
    ServerCall<Q, A> counted =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(A message) {
            metrics.grpcSent.labelValues(l.type, l.service, l.method).inc();
            super.sendMessage(message);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            metrics
                .grpcHandled
                .labelValues(l.type, l.service, l.method, goName(status.getCode()))
                .inc();
            super.close(status, trailers);
          }
        };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(counted, headers)) {
      @Override
      public void onMessage(Q message) {
        metrics.grpcReceived.labelValues(l.type, l.service, l.method).inc();
        super.onMessage(message);
      }
    };
  }

  private record Labels(String type, String service, String method) {
    static Labels of(MethodDescriptor<?, ?> d) {
      String type =
          switch (d.getType()) {
            case UNARY -> "unary";
            case CLIENT_STREAMING -> "client_stream";
            case SERVER_STREAMING -> "server_stream";
            default -> "bidi_stream";
          };
      String service = d.getServiceName();
      String method = d.getBareMethodName();
      return new Labels(type, service == null ? "" : service, method == null ? "" : method);
    }
  }

  /** A status code as Go's codes.Code prints it. */
  static String goName(Status.Code c) {
    return switch (c) {
      case OK -> "OK";
      case CANCELLED -> "Canceled";
      case UNKNOWN -> "Unknown";
      case INVALID_ARGUMENT -> "InvalidArgument";
      case DEADLINE_EXCEEDED -> "DeadlineExceeded";
      case NOT_FOUND -> "NotFound";
      case ALREADY_EXISTS -> "AlreadyExists";
      case PERMISSION_DENIED -> "PermissionDenied";
      case RESOURCE_EXHAUSTED -> "ResourceExhausted";
      case FAILED_PRECONDITION -> "FailedPrecondition";
      case ABORTED -> "Aborted";
      case OUT_OF_RANGE -> "OutOfRange";
      case UNIMPLEMENTED -> "Unimplemented";
      case INTERNAL -> "Internal";
      case UNAVAILABLE -> "Unavailable";
      case DATA_LOSS -> "DataLoss";
      case UNAUTHENTICATED -> "Unauthenticated";
    };
  }
}
