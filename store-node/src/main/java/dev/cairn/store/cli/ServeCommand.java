package dev.cairn.store.cli;

import ch.qos.logback.classic.Level;
import dev.cairn.store.api.ClientServer;
import dev.cairn.store.api.MemberServices;
import dev.cairn.store.bench.BenchCommand;
import dev.cairn.store.config.ConfigException;
import dev.cairn.store.config.EtcdEnvironment;
import dev.cairn.store.config.NodeConfig;
import dev.cairn.store.config.ServeFlags;
import dev.cairn.store.lease.Lessor;
import dev.cairn.store.membership.ClusterIdentity;
import dev.cairn.store.membership.InitialCluster;
import dev.cairn.store.raftlog.RaftLog;
import dev.cairn.store.server.ServerOptions;
import dev.cairn.store.server.StoreServer;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.Schema;
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
import java.util.concurrent.CountDownLatch;
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
    subcommands = {BenchCommand.class})
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
    for (String v : env.unrecognized(spec)) {
      log.warn("unrecognized environment variable {}", v);
    }
    InitialCluster initial =
        InitialCluster.of(
            cfg.name(), cfg.initialClusterUrls(), cfg.initialClusterToken(), cfg.isNewCluster());
    Duration requestTimeout = Duration.ofSeconds(5).plus(cfg.electionTimeout().multipliedBy(2));

    Path memberDir = cfg.dataDir().resolve("member");
    Backend raft =
        Backend.open(memberDir.resolve("raft"), BackendConfig.raftLog(), Schema.RAFT_TABLES);
    ClusterIdentity identity;
    try {
      identity = resolveIdentity(cfg, initial, RaftLog.open(raft));
    } catch (RuntimeException e) {
      raft.close();
      throw e;
    }
    long memberId = identity.memberId();
    long clusterId = identity.clusterId();
    Backend mvcc =
        Backend.open(memberDir.resolve("mvcc"), BackendConfig.mvcc(), Schema.MVCC_TABLES);
    Lessor lessor =
        new Lessor(
            System::nanoTime,
            Lessor.minTtlFor(cfg.electionTimeout().toMillis()),
            requestTimeout.toNanos());
    PeerOptions peerOptions = PeerOptions.defaults();
    InboundRelay relay = new InboundRelay();
    PeerTransport transport = new PeerTransport(memberId, clusterId, relay, peerOptions);
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
                cfg.watchProgressNotifyInterval()),
            initial.members(),
            new PeerLink(transport));
    relay.deliverTo(server);
    PeerServer peerServer =
        PeerServer.start(
            addresses(cfg.listenPeerUrls()),
            memberId,
            clusterId,
            relay,
            new LeaderLeases(server),
            peerOptions);
    server.start();
    ClientServer client =
        ClientServer.start(
            addresses(cfg.listenClientUrls()),
            new MemberServices(server, server, server.watchable(), server),
            new ClientServer.Options(
                cfg.maxRequestBytes(), cfg.maxTxnOps(), Versions.ETCD_API_VERSION));

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("stopping member {}", Long.toHexString(memberId));
                  client.close();
                  peerServer.close();
                  transport.close();
                  server.close();
                  stopped.countDown();
                },
                "shutdown"));
    log.info(
        "ready to serve client requests on {} (member {}, cluster {}, data dir {})",
        cfg.listenClientUrls(),
        Long.toHexString(memberId),
        Long.toHexString(clusterId),
        cfg.dataDir().toAbsolutePath());
    stopped.await();
    return 0;
  }

  /**
   * The ids this member runs with: those its data dir was created with, refused when the flags
   * describe another member or cluster; for a new data dir, those of the new cluster, stored.
   */
  private static ClusterIdentity resolveIdentity(
      NodeConfig cfg, InitialCluster initial, RaftLog raftLog) {
    Optional<ClusterIdentity> stored =
        raftLog.identity().map(i -> new ClusterIdentity(i.memberId(), i.clusterId()));
    ClusterIdentity identity =
        ClusterIdentity.resolve(cfg.dataDir(), stored, initial)
            .orElseThrow(
                () ->
                    new ConfigException(
                        "--initial-cluster-state existing: joining a running cluster needs its"
                            + " member list, which this member cannot fetch yet; start every"
                            + " member of a new cluster with --initial-cluster-state new"));
    if (stored.isEmpty()) {
      raftLog.saveIdentity(identity.memberId(), identity.clusterId());
    }
    return identity;
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
