package dev.cairn.store.api;

import dev.cairn.proto.etcdserverpb.CompactionRequest;
import dev.cairn.proto.etcdserverpb.CompactionResponse;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeResponse;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.PutResponse;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.store.server.RaftKv;
import dev.cairn.store.support.StoreException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/** etcd's KV service: check the request, call the server, translate errors, fill the header. */
final class KvService extends KVGrpc.KVImplBase {
  private final RaftKv kv;
  private final Guard guard;
  private final Headers headers;
  private final int maxTxnOps;

  KvService(RaftKv kv, Guard guard, Headers headers, int maxTxnOps) {
    this.kv = kv;
    this.guard = guard;
    this.headers = headers;
    this.maxTxnOps = maxTxnOps;
  }

  @Override
  public void range(RangeRequest r, StreamObserver<RangeResponse> out) {
    answer(
        out,
        () -> {
          RequestChecks.checkRange(r);
          guard.range(r.getKey(), r.getRangeEnd());
          return kv.range(r);
        },
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void put(PutRequest r, StreamObserver<PutResponse> out) {
    answer(
        out,
        () -> {
          RequestChecks.checkPut(r);
          return kv.as(guard.caller()).put(r);
        },
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void deleteRange(DeleteRangeRequest r, StreamObserver<DeleteRangeResponse> out) {
    answer(
        out,
        () -> {
          RequestChecks.checkDelete(r);
          return kv.as(guard.caller()).deleteRange(r);
        },
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void txn(TxnRequest r, StreamObserver<TxnResponse> out) {
    answer(
        out,
        () -> {
          RequestChecks.checkTxn(r, maxTxnOps);
          return kv.as(guard.txn(r)).txn(r);
        },
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void compact(CompactionRequest r, StreamObserver<CompactionResponse> out) {
    answer(
        out,
        () -> kv.as(guard.admin()).compact(r),
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  /** Runs one unary call: the checks may throw; the future carries the outcome. */
  static <T> void answer(
      StreamObserver<T> out,
      java.util.function.Supplier<CompletableFuture<T>> call,
      UnaryOperator<T> finish) {
    CompletableFuture<T> f;
    try {
      f = call.get();
    } catch (StoreException e) {
      out.onError(GrpcErrors.toGrpc(e));
      return;
    } catch (io.grpc.StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    f.whenComplete(
        (resp, err) -> {
          if (err != null) {
            out.onError(GrpcErrors.toGrpc(err));
          } else {
            out.onNext(finish.apply(resp));
            out.onCompleted();
          }
        });
  }
}
