package dev.cairn.store.transport;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The peer-facing gRPC server: receives other members' Raft streams on the peer listen URLs. */
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

  /** What the server has handed to Inbound, and what it dropped (wrong member, isolated, bad). */
  public record Stats(long received, long dropped) {}

  private PeerServer(
      List<InetSocketAddress> addresses,
      long localId,
      long clusterId,
      Inbound inbound,
      LeaseAuthority leases,
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
    service = new PeerService(localId, inbound, FaultFile.of(options));
    NettyServerBuilder b = NettyServerBuilder.forAddress(addresses.get(0));
    for (InetSocketAddress a : addresses.subList(1, addresses.size())) {
      b.addListenAddress(a);
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
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no peer listen address");
    }
    PeerServer s = new PeerServer(addresses, localId, clusterId, inbound, leases, options);
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
