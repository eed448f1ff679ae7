package dev.cairn.store.api;

import dev.cairn.store.coordination.ElectionService;
import dev.cairn.store.coordination.LockService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The client-facing gRPC server: etcd's services on every client listen address. */
public final class ClientServer implements AutoCloseable {
  /** Extra room etcd's gRPC layer allows above the largest request. */
  static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

  private final Server server;
  private final Server selfServer;
  private final ManagedChannel selfChannel;
  private final ExecutorService executor;
  private final HealthStatusManager health = new HealthStatusManager();

  /**
   * @param maxRequestBytes largest request accepted (etcd's --max-request-bytes)
   * @param maxTxnOps most operations in one branch of a transaction (etcd's --max-txn-ops)
   * @param version the etcd version this member reports in Status
   * @param certificateUsers whether a verified client certificate's common name names the user when
   *     a call carries no token (etcd's --client-cert-auth)
   */
  public record Options(
      int maxRequestBytes, int maxTxnOps, String version, boolean certificateUsers) {
    public Options(int maxRequestBytes, int maxTxnOps, String version) {
      this(maxRequestBytes, maxTxnOps, version, false);
    }
  }

  private ClientServer(List<InetSocketAddress> addresses, MemberServices member, Options o) {
    AtomicInteger n = new AtomicInteger();
    executor =
        Executors.newFixedThreadPool(
            Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
            r -> {
              Thread t = new Thread(r, "grpc-call-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    Headers headers = new Headers(member.status());
    Guard guard = member.auth() == null ? Guard.OPEN : new Guard(member.auth());
    KvService kv = new KvService(member.kv(), guard, headers, o.maxTxnOps());
    LeaseService lease = new LeaseService(member.lease(), guard, headers);
    WatchService watch =
        new WatchService(member.watches(), member.status(), guard, o.maxRequestBytes());
    // Election and Lock are clients of this member's own KV, Lease and Watch, as in etcd.
    String self = "cairn-self-" + java.util.UUID.randomUUID();
    selfServer =
        InProcessServerBuilder.forName(self)
            .executor(executor)
            .intercept(Callers.interceptor(false, true))
            .addService(kv)
            .addService(lease)
            .addService(watch)
            .build();
    // The calls Election and Lock make for a client carry that client's credentials.
    selfChannel = InProcessChannelBuilder.forName(self).intercept(Callers.forwarding()).build();
    NettyServerBuilder b = NettyServerBuilder.forAddress(addresses.get(0));
    for (InetSocketAddress a : addresses.subList(1, addresses.size())) {
      b.addListenAddress(a);
    }
    b.executor(executor)
        .maxInboundMessageSize(o.maxRequestBytes() + GRPC_OVERHEAD_BYTES)
        // kube-apiserver pings every 30 s; etcd permits pings every 5 s.
        .permitKeepAliveTime(5, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .intercept(new LearnerGate(member.status()))
        .intercept(Callers.interceptor(o.certificateUsers(), false))
        .addService(kv)
        .addService(lease)
        .addService(watch)
        .addService(new ElectionService(selfChannel))
        .addService(new LockService(selfChannel))
        .addService(new MaintenanceService(member.maintenance(), guard, headers, o.version()))
        .addService(new ClusterService(member.cluster(), guard, headers));
    if (member.auth() != null) {
      b.addService(new AuthService(member.auth(), headers));
    }
    server = b.addService(health.getHealthService()).build();
    health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
  }

  /** Binds every address and starts serving. */
  public static ClientServer start(
      List<InetSocketAddress> addresses, MemberServices member, Options options)
      throws IOException {
    ClientServer s = new ClientServer(addresses, member, options);
    s.selfServer.start();
    s.server.start();
    return s;
  }

  /** The addresses actually bound (useful with port 0). */
  public List<InetSocketAddress> boundAddresses() {
    return server.getListenSockets().stream().map(InetSocketAddress.class::cast).toList();
  }

  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    selfChannel.shutdownNow();
    selfServer.shutdownNow();
    executor.shutdownNow();
  }
}
