package dev.cairn.store.server;

import dev.cairn.proto.etcdserverpb.MemberAddRequest;
import dev.cairn.proto.etcdserverpb.MemberAddResponse;
import dev.cairn.proto.etcdserverpb.MemberListRequest;
import dev.cairn.proto.etcdserverpb.MemberListResponse;
import dev.cairn.proto.etcdserverpb.MemberPromoteRequest;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MemberRemoveRequest;
import dev.cairn.proto.etcdserverpb.MemberRemoveResponse;
import dev.cairn.proto.etcdserverpb.MemberUpdateRequest;
import dev.cairn.proto.etcdserverpb.MemberUpdateResponse;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Cluster service as the member carries it out. Responses carry no header; failures are
 * {@link dev.cairn.store.support.StoreException}s.
 */
public interface RaftCluster {
  CompletableFuture<MemberListResponse> memberList(MemberListRequest r);

  CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest r);

  CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest r);

  CompletableFuture<MemberUpdateResponse> memberUpdate(MemberUpdateRequest r);

  CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest r);
}
