package dev.cairn.store.transport;

import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.proto.peer.PeerClusterGrpc;
import dev.cairn.store.membership.Member;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The peer-facing gRPC server on the peer listen URLs: receives other members' Raft streams and
 * snapshots, and answers their lease and cluster calls; over TLS when {@link PeerOptions#tls()} has
 * a certificate.
 */
public final class PeerServer implements AutoCloseable {
  private final Server server;
  private final ExecutorService executor;
  private final PeerService service;

  private static final LeaseAuthority NO_LEASES =
      new LeaseAuthority() {
        @Override
        public long renew(long leaseId) {
          throw new IllegalStateException("this member serves no leases");
        }

        @Override
        public dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse timeToLive(
            dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest request) {
          throw new IllegalStateException("this member serves no leases");
        }
      };

  private static final ClusterAuthority NO_CLUSTER =
      new ClusterAuthority() {
        @Override
        public long clusterId() {
          throw new IllegalStateException("this member answers no cluster calls");
        }

        @Override
        public List<Member> members() {
          throw new IllegalStateException("this member answers no cluster calls");
        }

        @Override
        public CompletableFuture<MemberPromoteResponse> promote(long memberId) {
          throw new IllegalStateException("this member answers no cluster calls");
        }

        @Override
        public CompletableFuture<HashKVResponse> hashKv(HashKVRequest request) {
          throw new IllegalStateException("this member answers no cluster calls");
        }

        @Override
        public CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request) {
          throw new IllegalStateException("this member answers no cluster calls");
        }
      };

  /** What the server has handed to Inbound, and what it dropped (wrong member, isolated, bad). */
  public record Stats(long received, long dropped) {}

  private PeerServer(
      List<InetSocketAddress> addresses,
      long localId,
      long clusterId,
      Inbound inbound,
      LeaseAuthority leases,
      ClusterAuthority cluster,
      Path snapshotDir,
      PeerOptions options) {
    AtomicInteger n = new AtomicInteger();
    executor =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            r -> {
              Thread t = new Thread(r, "cairn-peer-call-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    service = new PeerService(localId, inbound, FaultFile.of(options), snapshotDir);
    NettyServerBuilder b = NettyServerBuilder.forAddress(addresses.get(0));
    for (InetSocketAddress a : addresses.subList(1, addresses.size())) {
      b.addListenAddress(a);
    }
    if (options.tls() != null && options.tls().canServe()) {
      // Requires and verifies a peer certificate with --peer-client-cert-auth (or a peer CA).
      b.sslContext(options.tls().server());
    }
    server =
        b.executor(executor)
            .maxInboundMessageSize(options.maxMessageBytes())
            // Notice a dead sender within a few seconds; senders ping every 10 s (gRPC's floor).
            .keepAliveTime(2, TimeUnit.SECONDS)
            .keepAliveTimeout(3, TimeUnit.SECONDS)
            .permitKeepAliveTime(5, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .addService(ServerInterceptors.intercept(service, new ClusterIdCheck(clusterId)))
            .addService(
                ServerInterceptors.intercept(
                    new PeerLeaseService(leases), new ClusterIdCheck(clusterId)))
            .addService(
                ServerInterceptors.intercept(
                    new PeerClusterService(cluster),
                    new ClusterIdCheck(clusterId, PeerClusterGrpc.getMembersMethod())))
            .build();
  }

  /** Binds every address and starts serving. */
  public static PeerServer start(
      List<InetSocketAddress> addresses,
      long localId,
      long clusterId,
      Inbound inbound,
      PeerOptions options)
      throws IOException {
    return start(addresses, localId, clusterId, inbound, NO_LEASES, options);
  }

  /** Binds every address and starts serving Raft streams and, as leader, lease questions. */
  public static PeerServer start(
      List<InetSocketAddress> addresses,
      long localId,
      long clusterId,
      Inbound inbound,
      LeaseAuthority leases,
      PeerOptions options)
      throws IOException {
    return start(addresses, localId, clusterId, inbound, leases, NO_CLUSTER, null, options);
  }

  /**
   * Binds every address and starts serving Raft streams, snapshots, lease questions and cluster
   * calls.
   *
   * @param snapshotDir where snapshots from peers are received (created if need be, its {@code
   *     *.part} files deleted); null to refuse snapshots
   */
  public static PeerServer start(
      List<InetSocketAddress> addresses,
      long localId,
      long clusterId,
      Inbound inbound,
      LeaseAuthority leases,
      ClusterAuthority cluster,
      Path snapshotDir,
      PeerOptions options)
      throws IOException {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no peer listen address");
    }
    if (snapshotDir != null) {
      SnapshotReceiver.prepare(snapshotDir);
    }
    PeerServer s =
        new PeerServer(
            addresses, localId, clusterId, inbound, leases, cluster, snapshotDir, options);
    try {
      s.server.start();
    } catch (IOException | RuntimeException e) {
      s.executor.shutdownNow();
      throw e;
    }
    return s;
  }

  /** The addresses actually bound (useful with port 0). */
  public List<InetSocketAddress> boundAddresses() {
    return server.getListenSockets().stream().map(InetSocketAddress.class::cast).toList();
  }

  public Stats stats() {
    return new Stats(service.received.sum(), service.dropped.sum());
  }

  /** Bytes of Raft messages received from each peer since start, by peer id. */
  public java.util.Map<Long, Long> bytesReceivedByPeer() {
    java.util.Map<Long, Long> out = new java.util.HashMap<>();
    service.bytesReceived.forEach((peer, n) -> out.put(peer, n.sum()));
    return out;
  }

  /** Stops listening and ends every stream; the ports are free once this returns. */
  @Override
  public void close() {
    // Peer streams never end on their own, so there is nothing to wait for before cutting them.
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
  }
}
