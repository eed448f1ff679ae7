package dev.cairn.store.cli;

import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.store.raft.Message;
import dev.cairn.store.server.Peers;
import dev.cairn.store.transport.PeerTransport;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The server's view of its peers, over the peer transport. */
final class PeerLink implements Peers {
  private final PeerTransport transport;

  PeerLink(PeerTransport transport) {
    this.transport = transport;
  }

  @Override
  public void send(List<Message> messages) {
    transport.send(messages);
  }

  @Override
  public void setPeer(long id, List<URI> peerUrls) {
    transport.addPeer(id, peerUrls);
  }

  @Override
  public void removePeer(long id) {
    transport.removePeer(id);
  }

  @Override
  public CompletableFuture<Long> renewLease(long leader, long leaseId) {
    return transport.renewLease(leader, leaseId);
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(
      long leader, LeaseTimeToLiveRequest request) {
    return transport.leaseTimeToLive(leader, request);
  }

  @Override
  public CompletableFuture<MemberPromoteResponse> promote(long leader, long memberId) {
    return transport.promote(leader, memberId);
  }

  @Override
  public CompletableFuture<HashKVResponse> hashKv(long peer, HashKVRequest request) {
    return transport.hashKv(peer, request);
  }

  @Override
  public CompletableFuture<MoveLeaderResponse> moveLeader(long leader, MoveLeaderRequest request) {
    return transport.moveLeader(leader, request);
  }
}
