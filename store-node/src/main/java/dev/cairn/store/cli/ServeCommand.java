package dev.cairn.store.cli;

import ch.qos.logback.classic.Level;
import dev.cairn.store.api.ClientServer;
import dev.cairn.store.api.MemberServices;
import dev.cairn.store.api.http.HttpListener;
import dev.cairn.store.api.http.HttpRoutes;
import dev.cairn.store.auth.AuthStore;
import dev.cairn.store.auth.Passwords;
import dev.cairn.store.auth.TokenProviders;
import dev.cairn.store.bench.BenchCommand;
import dev.cairn.store.config.ConfigException;
import dev.cairn.store.config.EtcdEnvironment;
import dev.cairn.store.config.NodeConfig;
import dev.cairn.store.config.ServeFlags;
import dev.cairn.store.lease.Lessor;
import dev.cairn.store.membership.ClusterIdentity;
import dev.cairn.store.membership.InitialCluster;
import dev.cairn.store.membership.Member;
import dev.cairn.store.metrics.StoreMetrics;
import dev.cairn.store.raftlog.RaftLog;
import dev.cairn.store.server.ServerOptions;
import dev.cairn.store.server.StoreServer;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.tls.TlsContexts;
import dev.cairn.store.tls.TlsException;
import dev.cairn.store.transport.ClusterMembers;
import dev.cairn.store.transport.PeerOptions;
import dev.cairn.store.transport.PeerServer;
import dev.cairn.store.transport.PeerTransport;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Serves one member: the composition root, the only place where the parts are wired together. */
@Command(
    name = "store-node",
    mixinStandardHelpOptions = true,
    versionProvider = Versions.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Cairn: an etcd-compatible key-value store member.",
      "With no flags it serves one member on 127.0.0.1:2379 with its data in ./default.cairn.",
      "Every flag --foo-bar may also be given as the environment variable ETCD_FOO_BAR."
    },
    subcommands = {BenchCommand.class, SnapshotCommand.class})
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Mixin ServeFlags flags;

  @Spec CommandSpec spec;

  private final EtcdEnvironment env;

  ServeCommand(EtcdEnvironment env) {
    this.env = env;
  }

  @Override
  public Integer call() throws Exception {
    NodeConfig cfg = flags.toConfig();
    setLogLevel(cfg.logLevel());
    if (cfg.logFormat().equals("json")) {
      JsonLogLayout.install();
    }
    AuthStore auth;
    try {
      auth =
          new AuthStore(
              TokenProviders.fromFlag(cfg.auth().token(), cfg.auth().simpleTokenTtl()),
              new Passwords(cfg.auth().bcryptCost()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    for (String v : env.unrecognized(spec)) {
      log.warn("unrecognized environment variable {}", v);
    }
    TlsContexts clientTls;
    TlsContexts peerTls;
    try {
      clientTls = cfg.tls().client().hasIdentity() ? TlsContexts.of(cfg.tls().client()) : null;
      // Always there: a member dials https peer URLs even when it serves peers in plain text.
      peerTls = TlsContexts.of(cfg.tls().peer());
    } catch (TlsException e) {
      throw new ConfigException(e.getMessage());
    }
    InitialCluster initial =
        InitialCluster.of(
            cfg.name(), cfg.initialClusterUrls(), cfg.initialClusterToken(), cfg.isNewCluster());
    Duration requestTimeout = Duration.ofSeconds(5).plus(cfg.electionTimeout().multipliedBy(2));

    Path memberDir = cfg.dataDir().resolve("member");
    Backend raft =
        Backend.open(memberDir.resolve("raft"), BackendConfig.raftLog(), Schema.RAFT_TABLES);
    Identity identity;
    try {
      identity = resolveIdentity(cfg, initial, RaftLog.open(raft), peerTls);
    } catch (RuntimeException | java.io.IOException e) {
      raft.close();
      throw e;
    }
    long memberId = identity.ids().memberId();
    long clusterId = identity.ids().clusterId();
    Backend mvcc =
        Backend.open(memberDir.resolve("mvcc"), BackendConfig.mvcc(), Schema.MVCC_TABLES);
    Lessor lessor =
        new Lessor(
            System::nanoTime,
            Lessor.minTtlFor(cfg.electionTimeout().toMillis()),
            requestTimeout.toNanos());
    PeerOptions peerOptions = PeerOptions.defaults().withTls(peerTls);
    boolean securePeers = cfg.listenPeerUrls().stream().anyMatch(ServeCommand::isHttps);
    InboundRelay relay = new InboundRelay();
    PeerTransport transport = new PeerTransport(memberId, clusterId, relay, relay, peerOptions);
    StoreServer server =
        new StoreServer(
            raft,
            mvcc,
            lessor,
            new ServerOptions(
                memberId,
                clusterId,
                cfg.maxRequestBytes(),
                requestTimeout,
                cfg.heartbeatInterval(),
                cfg.electionTimeout(),
                cfg.watchProgressNotifyInterval(),
                new ServerOptions.Membership(
                    cfg.name(),
                    cfg.advertiseClientUrls().stream().map(URI::toString).toList(),
                    cfg.strictReconfigCheck(),
                    cfg.maxLearners(),
                    cfg.quotaBackendBytes() == 0
                        ? ServerOptions.DEFAULT_QUOTA_BYTES
                        : cfg.quotaBackendBytes(),
                    cfg.corruptCheckTime()),
                new ServerOptions.Snapshots(
                    cfg.snapshotCount(), cfg.snapshotCatchupEntries(), memberDir.resolve("snap"))),
            cfg.isNewCluster() ? initial.members() : List.of(),
            new PeerLink(transport),
            auth);
    for (Member m : identity.knownMembers()) {
      if (m.id() != memberId) {
        transport.addPeer(m.id(), m.peerUrls().stream().map(URI::create).toList());
      }
    }
    relay.deliverTo(server);
    PeerServer peerServer =
        PeerServer.start(
            addresses(cfg.listenPeerUrls()),
            memberId,
            clusterId,
            relay,
            new LeaderLeases(server),
            new MemberAuthority(server),
            memberDir.resolve("snap"),
            securePeers ? peerOptions : peerOptions.withTls(null));
    server.start();
    MemberServices services =
        new MemberServices(server, server, server.watchable(), server, server, server, server);
    StoreMetrics metrics =
        MemberMetrics.of(
            server,
            lessor,
            transport,
            peerServer,
            memberId,
            cfg.quotaBackendBytes() == 0
                ? ServerOptions.DEFAULT_QUOTA_BYTES
                : cfg.quotaBackendBytes(),
            Versions.ETCD_API_VERSION);
    HttpRoutes routes =
        HttpRoutes.forMember(
            services,
            requestTimeout,
            new HttpRoutes.Versions(
                Versions.ETCD_API_VERSION,
                MemberMetrics.clusterVersion(Versions.ETCD_API_VERSION) + ".0"),
            accept -> new HttpRoutes.MetricsPage.Page(metrics.contentType(), metrics.scrape()),
            new HealthMetrics(metrics));
    ClientServer client =
        ClientServer.start(
            addresses(cfg.listenClientUrls().stream().filter(u -> !isHttps(u)).toList()),
            addresses(cfg.listenClientUrls().stream().filter(ServeCommand::isHttps).toList()),
            clientTls,
            services,
            new ClientServer.Options(
                cfg.maxRequestBytes(),
                cfg.maxTxnOps(),
                Versions.ETCD_API_VERSION,
                cfg.tls().client().clientCertAuth()),
            new ClientServer.Http(routes, metrics));
    // etcd's metrics listener answers /metrics and the health endpoints, and nothing else.
    HttpListener metricsListener =
        cfg.listenMetricsUrls().isEmpty()
            ? null
            : HttpListener.start(
                addresses(cfg.listenMetricsUrls()),
                routes.restrictedTo(
                    path ->
                        path.equals("/metrics")
                            || path.equals("/health")
                            || path.startsWith("/livez")
                            || path.startsWith("/readyz")));

    java.util.concurrent.CompletableFuture<Boolean> ended =
        new java.util.concurrent.CompletableFuture<>();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("stopping member {}", Long.toHexString(memberId));
                  client.close();
                  if (metricsListener != null) {
                    metricsListener.close();
                  }
                  peerServer.close();
                  transport.close();
                  server.close();
                  ended.complete(false);
                },
                "shutdown"));
    log.info(
        "ready to serve client requests on {} (member {}, cluster {}, data dir {})",
        cfg.listenClientUrls(),
        Long.toHexString(memberId),
        Long.toHexString(clusterId),
        cfg.dataDir().toAbsolutePath());
    server.removal().thenRun(() -> ended.complete(true));
    if (ended.get()) {
      // etcd stops a removed member too: it can never serve this cluster again.
      log.error("the member has been permanently removed from the cluster; stopping");
      return 1;
    }
    return 0;
  }

  /** Who this member is, and the peers it must reach before its log names them. */
  private record Identity(ClusterIdentity ids, List<Member> knownMembers) {}

  /**
   * The ids this member runs with: those its data dir was created with, refused when the flags
   * describe another member or cluster; for a new data dir, those of the new cluster, stored; for a
   * new data dir joining a running cluster, those the cluster gave it at 'member add', found by its
   * peer URLs in the member list of the members named in --initial-cluster.
   */
  private static Identity resolveIdentity(
      NodeConfig cfg, InitialCluster initial, RaftLog raftLog, TlsContexts peerTls)
      throws java.io.IOException {
    Optional<ClusterIdentity> stored =
        raftLog.identity().map(i -> new ClusterIdentity(i.memberId(), i.clusterId()));
    Optional<ClusterIdentity> resolved = ClusterIdentity.resolve(cfg.dataDir(), stored, initial);
    if (resolved.isPresent()) {
      if (stored.isEmpty()) {
        refuseIfBootstrappedBefore(cfg, resolved.get(), peerTls);
        raftLog.saveIdentity(resolved.get().memberId(), resolved.get().clusterId());
      }
      return new Identity(resolved.get(), List.of());
    }
    List<URI> others = otherMembersPeerUrls(cfg);
    if (others.isEmpty()) {
      throw new ConfigException(
          "--initial-cluster-state existing needs --initial-cluster to name the running members");
    }
    ClusterMembers cluster = PeerTransport.fetchMembers(others, Duration.ofSeconds(5), peerTls);
    List<String> mine =
        cfg.initialAdvertisePeerUrls().stream().map(URI::toString).sorted().toList();
    Member self =
        cluster.members().stream()
            .filter(m -> m.peerUrls().stream().sorted().toList().equals(mine))
            .findFirst()
            .orElseThrow(
                () ->
                    new ConfigException(
                        "no member of cluster "
                            + Long.toHexString(cluster.clusterId())
                            + " has the peer URLs "
                            + mine
                            + "; add it first with 'etcdctl member add --peer-urls="
                            + String.join(",", mine)
                            + "'"));
    if (!self.clientUrls().isEmpty()) {
      // It published its client URLs, so it ran with a data dir that held its log. Joining again
      // empty under the same id would forget entries it acknowledged: Raft's votes and commits
      // would count a member that no longer has them.
      throw new ConfigException(
          "member "
              + self.idHex()
              + " ("
              + self.name()
              + ") has run before, but its data dir "
              + cfg.dataDir()
              + " holds no data: its data is lost. Remove it ('etcdctl member remove "
              + self.idHex()
              + "') and add it again ('etcdctl member add') to join as a new member");
    }
    raftLog.saveIdentity(self.id(), cluster.clusterId());
    log.info(
        "joining cluster {} as member {}", Long.toHexString(cluster.clusterId()), self.idHex());
    return new Identity(new ClusterIdentity(self.id(), cluster.clusterId()), cluster.members());
  }

  /**
   * etcd's isMemberBootstrapped: a new data dir bootstrapping a member the running cluster says has
   * already published its client URLs means the member's old data is gone; starting would make it a
   * second, empty copy of that member. When no other member answers, the cluster is forming and the
   * start goes on.
   */
  private static void refuseIfBootstrappedBefore(
      NodeConfig cfg, ClusterIdentity identity, TlsContexts peerTls) {
    List<URI> others = otherMembersPeerUrls(cfg);
    if (others.isEmpty()) {
      return;
    }
    ClusterMembers cluster;
    try {
      cluster = PeerTransport.fetchMembers(others, Duration.ofSeconds(1), peerTls);
    } catch (java.io.IOException e) {
      return;
    }
    boolean published =
        cluster.members().stream()
            .anyMatch(m -> m.id() == identity.memberId() && !m.clientUrls().isEmpty());
    if (published) {
      throw new ConfigException(
          "member "
              + Long.toHexString(identity.memberId())
              + " has already been bootstrapped; its data dir "
              + cfg.dataDir()
              + " is empty, so its data is lost. Remove it ('etcdctl member remove') and add it"
              + " again ('etcdctl member add') to join as a new member");
    }
  }

  /** The peer URLs of every member --initial-cluster names but this one. */
  private static List<URI> otherMembersPeerUrls(NodeConfig cfg) {
    List<URI> others = new ArrayList<>();
    cfg.initialCluster()
        .forEach(
            (name, urls) -> {
              if (!name.equals(cfg.name())) {
                others.addAll(urls);
              }
            });
    return others;
  }

  private static boolean isHttps(URI u) {
    return "https".equals(u.getScheme());
  }

  static List<InetSocketAddress> addresses(List<URI> urls) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (URI u : urls) {
      String host = u.getHost();
      // etcd binds "localhost" to the IPv4 loopback, which is where etcdctl looks by default.
      out.add(new InetSocketAddress("localhost".equals(host) ? "127.0.0.1" : host, u.getPort()));
    }
    return out;
  }

  private static void setLogLevel(String level) {
    Level l =
        switch (level) {
          case "debug" -> Level.DEBUG;
          case "warn" -> Level.WARN;
          case "error", "panic", "fatal" -> Level.ERROR;
          default -> Level.INFO;
        };
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(l);
  }
}
