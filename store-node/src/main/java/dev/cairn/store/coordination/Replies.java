package dev.cairn.store.coordination;

import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Answering a served unary RPC from the future of its response. */
final class Replies {
  private Replies() {}

  static <T> void reply(Context rpc, StreamObserver<T> responses, CompletableFuture<T> response) {
    response.whenComplete(
        (value, failure) -> {
          if (failure != null) {
            responses.onError(Errors.toStatus(failure, rpc).asRuntimeException());
          } else {
            responses.onNext(value);
            responses.onCompleted();
          }
        });
  }

  /** {@code failure} as an unchecked exception to throw from a stage of a future. */
  static RuntimeException rethrow(Throwable failure) {
    if (failure instanceof CompletionException completion) {
      return completion;
    }
    return new CompletionException(failure);
  }
}
