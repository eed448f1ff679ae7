package dev.cairn.store.transport;

import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.store.membership.Member;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/** A member's answers to cluster calls, as a test sets them; records every question asked. */
final class FakeAuthority implements ClusterAuthority {
  final long clusterId;
  final Queue<Object> asked = new ConcurrentLinkedQueue<>();
  volatile List<Member> members = List.of();
  volatile Function<Long, CompletableFuture<MemberPromoteResponse>> promote =
      id -> CompletableFuture.completedFuture(MemberPromoteResponse.getDefaultInstance());
  volatile Function<HashKVRequest, CompletableFuture<HashKVResponse>> hashKv =
      r -> CompletableFuture.completedFuture(HashKVResponse.getDefaultInstance());
  volatile Function<MoveLeaderRequest, CompletableFuture<MoveLeaderResponse>> moveLeader =
      r -> CompletableFuture.completedFuture(MoveLeaderResponse.getDefaultInstance());

  FakeAuthority(long clusterId) {
    this.clusterId = clusterId;
  }

  @Override
  public long clusterId() {
    return clusterId;
  }

  @Override
  public List<Member> members() {
    return members;
  }

  @Override
  public CompletableFuture<MemberPromoteResponse> promote(long memberId) {
    asked.add(memberId);
    return promote.apply(memberId);
  }

  @Override
  public CompletableFuture<HashKVResponse> hashKv(HashKVRequest request) {
    asked.add(request);
    return hashKv.apply(request);
  }

  @Override
  public CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request) {
    asked.add(request);
    return moveLeader.apply(request);
  }
}
