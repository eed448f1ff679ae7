package dev.cairn.store.coordination;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.WatchCreateRequest;
import dev.cairn.proto.mvccpb.Event;
import io.grpc.Context;
import java.util.concurrent.CompletableFuture;

/**
 * Waiting, with Watch, until keys are deleted: etcd's {@code waitDelete} and {@code waitDeletes}
 * ({@code client/v3/concurrency/key.go}), the queue of elections and locks.
 */
final class WaitDeletes {
  private final EtcdClient etcd;

  WaitDeletes(EtcdClient etcd) {
    this.etcd = etcd;
  }

  /**
   * Completes once every key under {@code prefix} created at or before {@code maxCreateRev} is
   * gone: repeatedly finds the newest such key and waits for its deletion.
   */
  CompletableFuture<Void> waitDeletes(Context ctx, ByteString prefix, long maxCreateRev) {
    return etcd.range(ctx, EtcdClient.lastCreatedUpTo(prefix, maxCreateRev))
        .thenCompose(
            found -> {
              if (found.getKvsCount() == 0) {
                return CompletableFuture.completedFuture(null);
              }
              ByteString last = found.getKvs(0).getKey();
              return waitDelete(ctx, last, found.getHeader().getRevision())
                  .thenCompose(deleted -> waitDeletes(ctx, prefix, maxCreateRev));
            });
  }

  /** Completes at the first deletion of {@code key} at or after revision {@code fromRev}. */
  CompletableFuture<Void> waitDelete(Context ctx, ByteString key, long fromRev) {
    WatchCreateRequest create =
        WatchCreateRequest.newBuilder().setKey(key).setStartRevision(fromRev).build();
    return etcd.watch(
            ctx,
            create,
            response ->
                response.getEventsList().stream()
                        .anyMatch(e -> e.getType() == Event.EventType.DELETE)
                    ? Boolean.TRUE
                    : null)
        .thenApply(deleted -> null);
  }
}
