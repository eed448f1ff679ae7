package dev.cairn.store.transport;

import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.store.membership.Member;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The member's answers to what peers ask about the cluster. Called on the peer server's threads:
 * long work belongs in the returned future, not before it. A future failed with a {@code
 * StoreException} reaches the asking peer as that same error.
 */
public interface ClusterAuthority {
  long clusterId();

  /** The members as this member knows them. */
  List<Member> members();

  /** Promotes a learner; asked of the leader. */
  CompletableFuture<MemberPromoteResponse> promote(long memberId);

  /** This member's key-space hash. */
  CompletableFuture<HashKVResponse> hashKv(HashKVRequest request);

  /**
   * Hands leadership to the target, or with target 0 to the voter it picks; asked of the leader.
   */
  CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request);
}
