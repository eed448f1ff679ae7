package dev.cairn.store.api;

import dev.cairn.store.api.http.HttpRoutes;
import dev.cairn.store.api.http.SharedPort;
import dev.cairn.store.coordination.ElectionService;
import dev.cairn.store.coordination.LockService;
import dev.cairn.store.metrics.StoreMetrics;
import dev.cairn.store.tls.TlsContexts;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client-facing server: etcd's gRPC services on every client listen address, in plain text on
 * the http ones and over TLS on the https ones; with {@link Http}, the same ports also answer
 * HTTP/1.1 (health, version, metrics and the JSON gateway), as etcd's do.
 */
public final class ClientServer implements AutoCloseable {
  /** Extra room etcd's gRPC layer allows above the largest request. */
  static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

  // One server per kind of listener; both share the services, executor and interceptors.
  private final List<Server> servers = new ArrayList<>();
  private final Server selfServer;
  private final ManagedChannel selfChannel;
  private final Server gatewayServer;
  private final ManagedChannel gatewayChannel;
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

  /**
   * The HTTP side of the client ports and the member's metrics.
   *
   * @param routes what HTTP/1.1 requests get, before the JSON gateway is added
   * @param metrics where gRPC calls are counted, or null
   */
  public record Http(HttpRoutes routes, StoreMetrics metrics) {}

  private ClientServer(
      List<InetSocketAddress> plain,
      List<InetSocketAddress> secure,
      TlsContexts tls,
      MemberServices member,
      Options o,
      Http http) {
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
    String self = "cairn-self-" + UUID.randomUUID();
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
    List<BindableService> services = new ArrayList<>();
    services.add(kv);
    services.add(lease);
    services.add(watch);
    services.add(new ElectionService(selfChannel));
    services.add(new LockService(selfChannel));
    services.add(new MaintenanceService(member.maintenance(), guard, headers, o.version()));
    services.add(new ClusterService(member.cluster(), guard, headers));
    if (member.auth() != null) {
      services.add(new AuthService(member.auth(), headers));
    }
    services.add(health.getHealthService());

    GrpcMetrics counting =
        http == null || http.metrics() == null ? null : new GrpcMetrics(http.metrics());
    HttpRoutes routes = null;
    if (http != null) {
      // The JSON gateway calls the same services in process, through the same checks, as etcd's
      // gateway dials its own gRPC port.
      String gateway = "cairn-gateway-" + UUID.randomUUID();
      InProcessServerBuilder g =
          InProcessServerBuilder.forName(gateway)
              .executor(executor)
              .intercept(new LearnerGate(member.status()))
              .intercept(Callers.interceptor(false, false));
      if (counting != null) {
        g.intercept(counting);
      }
      services.forEach(g::addService);
      gatewayServer = g.build();
      gatewayChannel = InProcessChannelBuilder.forName(gateway).build();
      routes = http.routes().withGateway(gatewayChannel, o.maxRequestBytes() + GRPC_OVERHEAD_BYTES);
    } else {
      gatewayServer = null;
      gatewayChannel = null;
    }
    if (!plain.isEmpty()) {
      SharedPort port = routes == null ? null : new SharedPort(null, routes, maxHttpBody(o));
      servers.add(server(plain, port, member, o, services, counting).build());
    }
    if (!secure.isEmpty()) {
      if (routes == null) {
        servers.add(
            server(secure, null, member, o, services, counting).sslContext(tls.server()).build());
      } else {
        SharedPort port = new SharedPort(tls.serverForGrpcAndHttp(), routes, maxHttpBody(o));
        servers.add(server(secure, port, member, o, services, counting).build());
      }
    }
    if (counting != null) {
      counting.preinitialise(servers.get(0).getServices());
    }
    health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
  }

  /**
   * The largest HTTP body read: room for the largest gRPC request in JSON, whose bytes fields are
   * base64 (4/3 larger), so that the gateway answers an oversized request with gRPC's error.
   */
  private static int maxHttpBody(Options o) {
    return 3 * (o.maxRequestBytes() + GRPC_OVERHEAD_BYTES);
  }

  private NettyServerBuilder server(
      List<InetSocketAddress> addresses,
      SharedPort port,
      MemberServices member,
      Options o,
      List<BindableService> services,
      ServerInterceptor counting) {
    NettyServerBuilder b =
        port == null
            ? NettyServerBuilder.forAddress(addresses.get(0))
            : NettyServerBuilder.forAddress(
                    addresses.get(0), InternalNettyServerCredentials.create(port))
                // gRPC's handshake never completes on an HTTP/1.1 connection, which may stream a
                // watch for hours; SharedPort closes connections that stay silent instead.
                .handshakeTimeout(365, TimeUnit.DAYS);
    for (InetSocketAddress a : addresses.subList(1, addresses.size())) {
      b.addListenAddress(a);
    }
    b.executor(executor)
        .maxInboundMessageSize(o.maxRequestBytes() + GRPC_OVERHEAD_BYTES)
        // kube-apiserver pings every 30 s; etcd permits pings every 5 s.
        .permitKeepAliveTime(5, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .intercept(new LearnerGate(member.status()))
        .intercept(Callers.interceptor(o.certificateUsers(), false));
    if (counting != null) {
      b.intercept(counting); // outermost: counts the calls the other interceptors refuse too
    }
    services.forEach(b::addService);
    return b;
  }

  /** Binds every address, in plain text, and starts serving. */
  public static ClientServer start(
      List<InetSocketAddress> addresses, MemberServices member, Options options)
      throws IOException {
    return start(addresses, List.of(), null, member, options, null);
  }

  /**
   * Binds every address and starts serving gRPC only.
   *
   * @param plain the addresses of the http:// client URLs
   * @param secure the addresses of the https:// client URLs
   * @param tls the server's certificate (and the CA clients are verified against); may be null when
   *     {@code secure} is empty
   */
  public static ClientServer start(
      List<InetSocketAddress> plain,
      List<InetSocketAddress> secure,
      TlsContexts tls,
      MemberServices member,
      Options options)
      throws IOException {
    return start(plain, secure, tls, member, options, null);
  }

  /** Binds every address and serves gRPC and, when {@code http} is given, HTTP/1.1 on each. */
  public static ClientServer start(
      List<InetSocketAddress> plain,
      List<InetSocketAddress> secure,
      TlsContexts tls,
      MemberServices member,
      Options options,
      Http http)
      throws IOException {
    if (plain.isEmpty() && secure.isEmpty()) {
      throw new IllegalArgumentException("no client listen address");
    }
    ClientServer s = new ClientServer(plain, secure, tls, member, options, http);
    try {
      s.selfServer.start();
      if (s.gatewayServer != null) {
        s.gatewayServer.start();
      }
      for (Server server : s.servers) {
        server.start();
      }
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** The addresses actually bound (useful with port 0): the plain ones first, then the TLS ones. */
  public List<InetSocketAddress> boundAddresses() {
    return servers.stream()
        .flatMap(s -> s.getListenSockets().stream())
        .map(InetSocketAddress.class::cast)
        .toList();
  }

  @Override
  public void close() {
    health.enterTerminalState();
    servers.forEach(Server::shutdown);
    for (Server server : servers) {
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (gatewayChannel != null) {
      gatewayChannel.shutdownNow();
      gatewayServer.shutdownNow();
    }
    selfChannel.shutdownNow();
    selfServer.shutdownNow();
    executor.shutdownNow();
  }
}
