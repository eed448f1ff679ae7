package dev.cairn.store.coordination;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.Compare;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeResponse;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantResponse;
import dev.cairn.proto.etcdserverpb.LeaseGrpc;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.proto.etcdserverpb.WatchCreateRequest;
import dev.cairn.proto.etcdserverpb.WatchGrpc;
import dev.cairn.proto.etcdserverpb.WatchRequest;
import dev.cairn.proto.etcdserverpb.WatchResponse;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The few etcd client calls the election and lock services make, asynchronous, over etcd's own KV,
 * Lease and Watch services (what etcd's {@code client/v3/concurrency} package does with an
 * in-process client).
 *
 * <p>Every call runs in the {@link Context} it is given: a served RPC's context, so that the calls
 * it causes end (and carry its deadline) when it ends, or {@link Context#ROOT} for the clean-up
 * etcd does with its client's own context after a caller has gone.
 */
final class EtcdClient {
  /** The TTL of the lease etcd's concurrency session grants when a request carries lease 0. */
  static final long SESSION_TTL_SECONDS = 60;

  private static final ByteString SLASH = ByteString.copyFromUtf8("/");

  private final KVGrpc.KVStub kv;
  private final LeaseGrpc.LeaseStub lease;
  private final WatchGrpc.WatchStub watch;

  EtcdClient(Channel channel) {
    this.kv = KVGrpc.newStub(channel);
    this.lease = LeaseGrpc.newStub(channel);
    this.watch = WatchGrpc.newStub(channel);
  }

  CompletableFuture<RangeResponse> range(Context ctx, RangeRequest request) {
    return unary(ctx, request, kv::range);
  }

  CompletableFuture<TxnResponse> txn(Context ctx, TxnRequest request) {
    return unary(ctx, request, kv::txn);
  }

  CompletableFuture<DeleteRangeResponse> delete(Context ctx, ByteString key) {
    return unary(ctx, DeleteRangeRequest.newBuilder().setKey(key).build(), kv::deleteRange);
  }

  /**
   * The lease of a concurrency session: {@code requested} as it is (etcd does not check it), or for
   * 0 a new lease of {@link #SESSION_TTL_SECONDS} that nothing keeps alive (etcd's servers orphan
   * the session at once).
   */
  CompletableFuture<Long> sessionLease(Context ctx, long requested) {
    if (requested != 0) {
      return CompletableFuture.completedFuture(requested);
    }
    LeaseGrantRequest grant = LeaseGrantRequest.newBuilder().setTTL(SESSION_TTL_SECONDS).build();
    return unary(ctx, grant, lease::leaseGrant).thenApply(LeaseGrantResponse::getID);
  }

  /**
   * Opens a watch and hands each response to {@code onResponse} until it returns non-null, then
   * ends the watch and completes with that value. Fails with the watch's error when etcd cancels it
   * (see {@link Errors#watchCanceled}), with the stream's status when the stream fails, and with
   * {@link Errors.LostWatch} when the stream ends without an error.
   */
  <T> CompletableFuture<T> watch(
      Context ctx, WatchCreateRequest create, Function<WatchResponse, T> onResponse) {
    CompletableFuture<T> result = new CompletableFuture<>();
    WatchRequest request = WatchRequest.newBuilder().setCreateRequest(create).build();
    ctx.run(
        () ->
            watch
                .watch(
                    new ClientResponseObserver<WatchRequest, WatchResponse>() {
                      private ClientCallStreamObserver<WatchRequest> call;

                      @Override
                      public void beforeStart(
                          ClientCallStreamObserver<WatchRequest> requestStream) {
                        call = requestStream;
                      }

                      @Override
                      public void onNext(WatchResponse response) {
                        if (result.isDone()) {
                          return;
                        }
                        T done;
                        try {
                          if (response.getCanceled()) {
                            throw Errors.watchCanceled(response);
                          }
                          done = onResponse.apply(response);
                        } catch (RuntimeException e) {
                          result.completeExceptionally(e);
                          call.cancel("watch ended", null);
                          return;
                        }
                        if (done != null) {
                          result.complete(done);
                          call.cancel("watch done", null);
                        }
                      }

                      @Override
                      public void onError(Throwable t) {
                        result.completeExceptionally(t);
                      }

                      @Override
                      public void onCompleted() {
                        result.completeExceptionally(new Errors.LostWatch());
                      }
                    })
                .onNext(request));
    return result;
  }

  /** etcd's {@code WithFirstCreate()} on {@code prefix}: the oldest key under it, if any. */
  static RangeRequest firstCreated(ByteString prefix) {
    return RangeRequest.newBuilder()
        .setKey(prefix)
        .setRangeEnd(prefixEnd(prefix))
        .setSortTarget(RangeRequest.SortTarget.CREATE)
        .setSortOrder(RangeRequest.SortOrder.ASCEND)
        .setLimit(1)
        .build();
  }

  /**
   * etcd's {@code WithLastCreate(), WithMaxCreateRev(maxCreateRev)} on {@code prefix}: the newest
   * key under it created at or before {@code maxCreateRev}, if any.
   */
  static RangeRequest lastCreatedUpTo(ByteString prefix, long maxCreateRev) {
    return RangeRequest.newBuilder()
        .setKey(prefix)
        .setRangeEnd(prefixEnd(prefix))
        .setSortTarget(RangeRequest.SortTarget.CREATE)
        .setSortOrder(RangeRequest.SortOrder.DESCEND)
        .setLimit(1)
        .setMaxCreateRevision(maxCreateRev)
        .build();
  }

  static RangeRequest get(ByteString key) {
    return RangeRequest.newBuilder().setKey(key).build();
  }

  static RequestOp getOp(RangeRequest range) {
    return RequestOp.newBuilder().setRequestRange(range).build();
  }

  static RequestOp putOp(ByteString key, ByteString value, long lease) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease))
        .build();
  }

  static RequestOp deleteOp(ByteString key) {
    return RequestOp.newBuilder()
        .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key))
        .build();
  }

  static Compare createRevisionIs(ByteString key, long revision) {
    return Compare.newBuilder()
        .setKey(key)
        .setTarget(Compare.CompareTarget.CREATE)
        .setResult(Compare.CompareResult.EQUAL)
        .setCreateRevision(revision)
        .build();
  }

  /** {@code prefix + "/"}: the prefix of the keys of an election or a lock named {@code name}. */
  static ByteString keyPrefix(ByteString name) {
    return name.concat(SLASH);
  }

  /** A session's key in election or lock {@code name}: etcd's {@code "%s/%x"} of name and lease. */
  static ByteString sessionKey(ByteString name, long lease) {
    // Go formats a signed int64 with %x as a sign and the magnitude's hex digits.
    String hex = lease < 0 ? "-" + Long.toHexString(-lease) : Long.toHexString(lease);
    return keyPrefix(name).concat(ByteString.copyFromUtf8(hex));
  }

  /** etcd's {@code GetPrefixRangeEnd}: the end of the range of keys that start with prefix. */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0}); // every key from prefix on
  }

  private static <Q, R> CompletableFuture<R> unary(
      Context ctx, Q request, BiConsumer<Q, StreamObserver<R>> method) {
    CompletableFuture<R> result = new CompletableFuture<>();
    ctx.run(
        () ->
            method.accept(
                request,
                new StreamObserver<>() {
                  @Override
                  public void onNext(R value) {
                    result.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    result.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    result.completeExceptionally(
                        new IllegalStateException("call ended without a response"));
                  }
                }));
    return result;
  }
}
