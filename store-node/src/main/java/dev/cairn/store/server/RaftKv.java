package dev.cairn.store.server;

import dev.cairn.proto.etcdserverpb.CompactionRequest;
import dev.cairn.proto.etcdserverpb.CompactionResponse;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeResponse;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.PutResponse;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.store.auth.AuthInfo;
import java.util.concurrent.CompletableFuture;

/**
 * The key-value operations of a member. Requests are assumed checked for form; results carry a
 * header with only the revision set. Failures complete the future with a {@link
 * dev.cairn.store.support.StoreException}.
 */
public interface RaftKv {
  CompletableFuture<RangeResponse> range(RangeRequest r);

  CompletableFuture<PutResponse> put(PutRequest r);

  CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r);

  CompletableFuture<TxnResponse> txn(TxnRequest r);

  CompletableFuture<CompactionResponse> compact(CompactionRequest r);

  /**
   * The same operations on behalf of an authenticated caller: writes carry its user and auth
   * revision into the log, where the permissions are checked as they apply.
   */
  default RaftKv as(AuthInfo caller) {
    return this;
  }
}
