package dev.cairn.store.cli;

import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.store.membership.Member;
import dev.cairn.store.server.StoreServer;
import dev.cairn.store.transport.ClusterAuthority;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Answers peers' cluster calls from this member's server. */
final class MemberAuthority implements ClusterAuthority {
  private final StoreServer server;

  MemberAuthority(StoreServer server) {
    this.server = server;
  }

  @Override
  public long clusterId() {
    return server.clusterId();
  }

  @Override
  public List<Member> members() {
    return server.members();
  }

  @Override
  public CompletableFuture<MemberPromoteResponse> promote(long memberId) {
    return server.promoteHere(memberId);
  }

  @Override
  public CompletableFuture<HashKVResponse> hashKv(HashKVRequest request) {
    // Hashing reads the whole key space: off the peer server's threads.
    return CompletableFuture.supplyAsync(() -> server.hashKv(request));
  }

  @Override
  public CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request) {
    return server.moveLeaderHere(request);
  }
}
