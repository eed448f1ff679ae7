package dev.cairn.store.transport;

import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.store.raft.Message;
import dev.cairn.store.tls.TlsContexts;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends Raft messages to the other members. {@link #send} never blocks: each peer has a bounded
 * queue and its own thread that writes whatever is queued as one batch on a long-lived gRPC stream,
 * so a slow or dead peer holds back only its own queue. Messages to one peer arrive in the order
 * sent while its stream lives; on failure the stream is replaced after a backoff (50 ms doubling to
 * 1 s) and {@link Inbound#unreachable} is called, as it is when a full queue drops a message. Raft
 * retries what was lost.
 *
 * <p>A {@link Message.Type#SNAPSHOT} message does not go on the stream: the state it stands for is
 * read from the {@link SnapshotSource} and streamed on a connection of its own, one snapshot per
 * peer at a time, and the outcome is reported to {@link Inbound#snapshotSent}.
 */
public final class PeerTransport implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PeerTransport.class);

  private final long localId;
  private final long clusterId;
  private final Inbound inbound;
  private final PeerOptions options;
  private final FaultFile faults;
  private final Counters counters = new Counters();
  private final Map<Long, PeerSender> peers = new ConcurrentHashMap<>();
  private final PeerCalls calls;
  private final SnapshotSender snapshots;
  private boolean closed;

  /**
   * @param messagesSent messages written to streams (not necessarily received)
   * @param batchesSent stream writes
   * @param messagesDropped messages dropped: queue full, over the size limit, or isolated
   */
  public record Stats(long messagesSent, long batchesSent, long messagesDropped) {}

  /** A transport that sends no snapshots: each one is reported as not delivered. */
  public PeerTransport(long localId, long clusterId, Inbound inbound, PeerOptions options) {
    this(localId, clusterId, inbound, SnapshotSource.NONE, options);
  }

  /**
   * @param snapshots where the state of each SNAPSHOT message sent is read from
   */
  public PeerTransport(
      long localId,
      long clusterId,
      Inbound inbound,
      SnapshotSource snapshots,
      PeerOptions options) {
    this.localId = localId;
    this.clusterId = clusterId;
    this.inbound = inbound;
    this.options = options;
    this.faults = FaultFile.of(options);
    this.calls = new PeerCalls(localId, clusterId, options.tls());
    this.snapshots = new SnapshotSender(localId, clusterId, inbound, snapshots, faults, options);
  }

  /**
   * Asks members of a running cluster for its id and members, trying each URL in turn until one
   * answers; for a member about to join, which knows neither yet. Blocks.
   *
   * @param timeout how long to wait for each URL
   * @throws IOException naming every URL tried and why it did not answer
   */
  public static ClusterMembers fetchMembers(List<URI> peerUrls, Duration timeout)
      throws IOException {
    return fetchMembers(peerUrls, timeout, null);
  }

  /**
   * As {@link #fetchMembers(List, Duration)}, over TLS for https URLs.
   *
   * @param tls this member's peer certificate and CA, or null when every URL is http
   */
  public static ClusterMembers fetchMembers(List<URI> peerUrls, Duration timeout, TlsContexts tls)
      throws IOException {
    checkUrls(peerUrls);
    return PeerCalls.fetchMembers(peerUrls, timeout, tls);
  }

  /** Renews a lease on the peer that leads: its granted TTL, or 0 when it does not exist. */
  public CompletableFuture<Long> renewLease(long peer, long leaseId) {
    if (faults.isolated()) {
      return CompletableFuture.failedFuture(new IllegalStateException("isolated"));
    }
    return calls.renew(peer, leaseId);
  }

  /** Asks the peer that leads how long a lease has left. */
  public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(
      long peer, LeaseTimeToLiveRequest request) {
    if (faults.isolated()) {
      return CompletableFuture.failedFuture(new IllegalStateException("isolated"));
    }
    return calls.timeToLive(peer, request);
  }

  /**
   * Asks the peer that leads to promote a learner. Like {@link #hashKv} and {@link #moveLeader}, it
   * fails with the peer's {@code StoreException} when the peer refused with one, and with an
   * IllegalStateException naming the peer when the call failed otherwise (10 s deadline).
   */
  public CompletableFuture<MemberPromoteResponse> promote(long peer, long memberId) {
    if (faults.isolated()) {
      return CompletableFuture.failedFuture(new IllegalStateException("isolated"));
    }
    return calls.promote(peer, memberId);
  }

  /** Asks a peer for its key-space hash. */
  public CompletableFuture<HashKVResponse> hashKv(long peer, HashKVRequest request) {
    if (faults.isolated()) {
      return CompletableFuture.failedFuture(new IllegalStateException("isolated"));
    }
    return calls.hashKv(peer, request);
  }

  /**
   * Asks the peer that leads to hand leadership to the target, or with target 0 to one it picks.
   */
  public CompletableFuture<MoveLeaderResponse> moveLeader(long peer, MoveLeaderRequest request) {
    if (faults.isolated()) {
      return CompletableFuture.failedFuture(new IllegalStateException("isolated"));
    }
    return calls.moveLeader(peer, request);
  }

  /**
   * Starts sending to a member at its peer URLs (http only; one is used at a time, the next after a
   * failure). Adding this member itself does nothing; adding a known peer updates its URLs.
   */
  public synchronized void addPeer(long id, List<URI> peerUrls) {
    checkUrls(peerUrls);
    if (closed || id == localId) {
      return;
    }
    calls.setPeer(id, peerUrls);
    PeerSender existing = peers.get(id);
    if (existing != null) {
      existing.updateUrls(peerUrls);
      return;
    }
    PeerSender s = new PeerSender(localId, clusterId, id, peerUrls, inbound, counters, options);
    peers.put(id, s);
    s.start();
  }

  /** Stops sending to a member; what is queued for it is dropped, its snapshot abandoned. */
  public void removePeer(long id) {
    calls.removePeer(id);
    snapshots.cancel(id);
    PeerSender s;
    synchronized (this) {
      s = peers.remove(id);
    }
    if (s != null) {
      s.close();
    }
  }

  /**
   * Changes a known member's URLs; its stream moves to them at once. Unknown members are ignored.
   */
  public synchronized void updatePeer(long id, List<URI> peerUrls) {
    checkUrls(peerUrls);
    PeerSender s = peers.get(id);
    if (s != null) {
      calls.setPeer(id, peerUrls);
      s.updateUrls(peerUrls);
    }
  }

  /**
   * Queues a message for its {@code to}; drops it if that member is unknown. A SNAPSHOT message
   * starts a transfer instead, whose outcome goes to {@link Inbound#snapshotSent} (failed when
   * isolated), or is dropped while another to the same peer is in flight. Never blocks.
   */
  public void send(Message m) {
    if (m.type() == Message.Type.SNAPSHOT) {
      sendSnapshot(m);
      return;
    }
    if (faults.isolated()) {
      counters.messagesDropped.increment();
      return;
    }
    PeerSender s = peers.get(m.to());
    if (s == null) {
      log.debug("dropped {}: unknown peer", m);
      counters.messagesDropped.increment();
      return;
    }
    s.offer(m);
  }

  private void sendSnapshot(Message m) {
    PeerSender peer = peers.get(m.to());
    if (peer == null) {
      log.debug("dropped {}: unknown peer", m);
      counters.messagesDropped.increment();
    } else if (m.snapshot() == null) {
      log.warn("dropped {}: a SNAPSHOT message without a snapshot", m);
      counters.messagesDropped.increment();
    } else if (!snapshots.start(m, peer.urls())) {
      log.debug("dropped a snapshot for {}: one is in flight", Long.toHexString(m.to()));
      counters.messagesDropped.increment();
    }
  }

  /** {@link #send(Message)} for each message, in order. */
  public void send(List<Message> ms) {
    for (Message m : ms) {
      send(m);
    }
  }

  /** Bytes of Raft messages sent to each peer since start, by peer id. */
  public java.util.Map<Long, Long> bytesSentByPeer() {
    java.util.Map<Long, Long> out = new java.util.HashMap<>();
    counters.bytesSent.forEach((peer, n) -> out.put(peer, n.sum()));
    return out;
  }

  public Stats stats() {
    return counters.snapshot();
  }

  /** Stops every peer's stream and thread. */
  @Override
  public void close() {
    List<PeerSender> all;
    synchronized (this) {
      closed = true;
      all = List.copyOf(peers.values());
      peers.clear();
    }
    all.forEach(PeerSender::close);
    snapshots.close();
    calls.close();
  }

  private static void checkUrls(List<URI> urls) {
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("a peer needs at least one URL");
    }
    for (URI u : urls) {
      boolean known =
          "http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme());
      if (!known || u.getHost() == null || u.getPort() < 0) {
        throw new IllegalArgumentException("peer URL must be http(s)://host:port: " + u);
      }
    }
  }
}
