package dev.cairn.store.coordination;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.proto.v3lockpb.LockGrpc;
import dev.cairn.proto.v3lockpb.LockRequest;
import dev.cairn.proto.v3lockpb.LockResponse;
import dev.cairn.proto.v3lockpb.UnlockRequest;
import dev.cairn.proto.v3lockpb.UnlockResponse;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code v3lockpb.Lock} service, built as etcd builds it ({@code
 * server/etcdserver/api/v3lock} on {@code client/v3/concurrency}'s mutex): a pure client of the KV,
 * Lease and Watch services behind {@code channel}.
 *
 * <p>A lock named N is the queue of keys {@code N/<lease in hex>}, each bound to its holder's
 * lease, in create-revision order; the oldest key holds the lock. Lock adds the caller's key (or
 * finds it there from an earlier Lock with the same lease) and waits until every older key is
 * deleted; a caller who goes away while waiting has its key deleted. A request with lease 0 gets a
 * new 60 s lease that nobody keeps alive, so its lock lasts at most a minute. Unlock deletes a key.
 */
public final class LockService extends LockGrpc.LockImplBase {
  private final EtcdClient etcd;
  private final WaitDeletes waits;

  public LockService(Channel channel) {
    this.etcd = new EtcdClient(channel);
    this.waits = new WaitDeletes(etcd);
  }

  @Override
  public void lock(LockRequest request, StreamObserver<LockResponse> responses) {
    Context ctx = Context.current();
    Replies.reply(
        ctx,
        responses,
        etcd.sessionLease(ctx, request.getLease())
            .thenCompose(lease -> lock(ctx, request.getName(), lease)));
  }

  @Override
  public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> responses) {
    Context ctx = Context.current();
    Replies.reply(
        ctx,
        responses,
        etcd.delete(ctx, request.getKey())
            .thenApply(
                deleted -> UnlockResponse.newBuilder().setHeader(deleted.getHeader()).build()));
  }

  /** etcd's {@code Mutex.Lock}. */
  private CompletableFuture<LockResponse> lock(Context ctx, ByteString name, long lease) {
    ByteString prefix = EtcdClient.keyPrefix(name);
    ByteString key = EtcdClient.sessionKey(name, lease);
    var getOwner = EtcdClient.getOp(EtcdClient.firstCreated(prefix));
    TxnRequest acquire =
        TxnRequest.newBuilder()
            .addCompare(EtcdClient.createRevisionIs(key, 0))
            .addAllSuccess(List.of(EtcdClient.putOp(key, ByteString.EMPTY, lease), getOwner))
            .addAllFailure(List.of(EtcdClient.getOp(EtcdClient.get(key)), getOwner))
            .build();
    return etcd.txn(ctx, acquire)
        .thenCompose(
            acquired -> {
              long myRev = myRevision(acquired);
              List<KeyValue> owner = acquired.getResponses(1).getResponseRange().getKvsList();
              if (owner.isEmpty() || owner.get(0).getCreateRevision() == myRev) {
                return CompletableFuture.completedFuture(response(acquired.getHeader(), key));
              }
              return waits
                  .waitDeletes(ctx, prefix, myRev - 1)
                  .thenCompose(v -> etcd.range(ctx, EtcdClient.get(key)))
                  .handle(
                      (mine, failure) -> {
                        if (failure != null) {
                          // etcd's mutex leaves the queue when it stops waiting (the caller went
                          // away, the watch broke), with its client's context, before it answers.
                          return etcd.delete(Context.ROOT, key)
                              .<LockResponse>handle(
                                  (deleted, ignored) -> {
                                    throw Replies.rethrow(failure);
                                  });
                        }
                        if (mine.getKvsCount() == 0) { // the lease ended while we waited
                          throw Errors.unknown(Errors.SESSION_EXPIRED);
                        }
                        return CompletableFuture.completedFuture(response(mine.getHeader(), key));
                      })
                  .thenCompose(reply -> reply);
            });
  }

  /** The create revision of the caller's key, which the acquiring txn created or found. */
  private static long myRevision(TxnResponse acquired) {
    if (acquired.getSucceeded()) {
      return acquired.getHeader().getRevision();
    }
    return acquired.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
  }

  private static LockResponse response(ResponseHeader header, ByteString key) {
    return LockResponse.newBuilder().setHeader(header).setKey(key).build();
  }
}
