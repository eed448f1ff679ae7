package dev.cairn.store.server;

import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.store.raft.Message;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** What a member needs from the other members: message delivery and the leader's lease clock. */
public interface Peers {
  /** Queues messages for their peers; never blocks. */
  void send(List<Message> messages);

  /** Adds a peer, or changes its URLs. */
  void setPeer(long id, List<URI> peerUrls);

  void removePeer(long id);

  /** Renews a lease on the leader, which alone tracks expiry: the granted TTL, or 0 if unknown. */
  CompletableFuture<Long> renewLease(long leader, long leaseId);

  /** Asks the leader for a lease's remaining time. */
  CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(
      long leader, LeaseTimeToLiveRequest request);

  /** Asks the leader to promote a learner that has caught up. */
  CompletableFuture<dev.cairn.proto.etcdserverpb.MemberPromoteResponse> promote(
      long leader, long memberId);

  /** Asks a peer for its key-space hash. */
  CompletableFuture<dev.cairn.proto.etcdserverpb.HashKVResponse> hashKv(
      long peer, dev.cairn.proto.etcdserverpb.HashKVRequest request);

  /** Asks the leader to hand leadership to another voter. */
  CompletableFuture<dev.cairn.proto.etcdserverpb.MoveLeaderResponse> moveLeader(
      long leader, dev.cairn.proto.etcdserverpb.MoveLeaderRequest request);

  /** A member alone in its cluster. */
  Peers NONE =
      new Peers() {
        @Override
        public void send(List<Message> messages) {}

        @Override
        public void setPeer(long id, List<URI> peerUrls) {}

        @Override
        public void removePeer(long id) {}

        @Override
        public CompletableFuture<Long> renewLease(long leader, long leaseId) {
          return CompletableFuture.failedFuture(new IllegalStateException("no peers"));
        }

        @Override
        public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(
            long leader, LeaseTimeToLiveRequest request) {
          return CompletableFuture.failedFuture(new IllegalStateException("no peers"));
        }

        @Override
        public CompletableFuture<dev.cairn.proto.etcdserverpb.MemberPromoteResponse> promote(
            long leader, long memberId) {
          return CompletableFuture.failedFuture(new IllegalStateException("no peers"));
        }

        @Override
        public CompletableFuture<dev.cairn.proto.etcdserverpb.HashKVResponse> hashKv(
            long peer, dev.cairn.proto.etcdserverpb.HashKVRequest request) {
          return CompletableFuture.failedFuture(new IllegalStateException("no peers"));
        }

        @Override
        public CompletableFuture<dev.cairn.proto.etcdserverpb.MoveLeaderResponse> moveLeader(
            long leader, dev.cairn.proto.etcdserverpb.MoveLeaderRequest request) {
          return CompletableFuture.failedFuture(new IllegalStateException("no peers"));
        }
      };
}
