package dev.cairn.store.testing;

import dev.cairn.store.api.ClientServer;
import dev.cairn.store.api.MemberServices;
import dev.cairn.store.lease.Lessor;
import dev.cairn.store.membership.Member;
import dev.cairn.store.membership.MemberIds;
import dev.cairn.store.server.Peers;
import dev.cairn.store.server.ServerOptions;
import dev.cairn.store.server.StoreServer;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.Schema;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A member inside the test JVM on a free loopback port: quick to start for API tests. */
public final class InProcessMember implements AutoCloseable {
  public static final int MAX_REQUEST_BYTES = 1572864;
  public static final int MAX_TXN_OPS = 128;

  private final StoreServer server;
  private final ClientServer client;
  private final int port;

  public InProcessMember(Path dataDir) throws Exception {
    this(dataDir, Duration.ofMinutes(10));
  }

  /** A member whose idle watchers get progress notices every {@code watchProgressInterval}. */
  public InProcessMember(Path dataDir, Duration watchProgressInterval) throws Exception {
    Member self = Member.bootstrap("default", List.of("http://localhost:2380"), "etcd-cluster");
    long member = self.id();
    Backend raft =
        Backend.open(dataDir.resolve("member/raft"), BackendConfig.raftLog(), Schema.RAFT_TABLES);
    Backend mvcc =
        Backend.open(dataDir.resolve("member/mvcc"), BackendConfig.mvcc(), Schema.MVCC_TABLES);
    server =
        new StoreServer(
            raft,
            mvcc,
            new Lessor(System::nanoTime, 2, Duration.ofSeconds(7).toNanos()),
            new ServerOptions(
                member,
                MemberIds.clusterId(List.of(member)),
                MAX_REQUEST_BYTES,
                Duration.ofSeconds(7),
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                watchProgressInterval),
            List.of(self),
            Peers.NONE);
    server.start();
    client =
        ClientServer.start(
            List.of(new InetSocketAddress("127.0.0.1", 0)),
            new MemberServices(server, server, server.watchable(), server, server, server),
            new ClientServer.Options(MAX_REQUEST_BYTES, MAX_TXN_OPS, "3.5.17"));
    port = client.boundAddresses().get(0).getPort();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public StoreServer server() {
    return server;
  }

  /** A plaintext channel to the member; the caller shuts it down. */
  public ManagedChannel channel() {
    return ManagedChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .maxInboundMessageSize(64 << 20)
        .build();
  }

  @Override
  public void close() {
    client.close();
    server.close();
  }
}
