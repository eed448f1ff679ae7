package dev.cairn.store.transport;

import dev.cairn.store.raft.Message;
import dev.cairn.store.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * A member's transport and server on a loopback port, recording what reaches its Inbound. Its
 * snapshots come from {@link #snapshots} and arrive in {@link #snapshotDir}; its server answers
 * cluster calls from {@link #cluster}.
 */
final class TestMember implements Inbound, AutoCloseable {
  static final long CLUSTER = 0xc1c1c1c1L;

  final long id;
  final int port = Ports.free();
  final PeerTransport transport;
  private final long clusterId;
  private final PeerOptions options;
  private final Queue<Message> received = new ConcurrentLinkedQueue<>();
  private final Map<Long, LongAdder> unreachable = new ConcurrentHashMap<>();
  private final Queue<SnapshotReport> snapshotReports = new ConcurrentLinkedQueue<>();
  final Path snapshotDir;
  volatile SnapshotSource snapshots = SnapshotSource.NONE;
  final FakeAuthority cluster;
  private PeerServer server;

  /** One {@link Inbound#snapshotSent} call. */
  record SnapshotReport(long peer, boolean delivered) {}

  private TestMember(long id, long clusterId, PeerOptions options) {
    this.id = id;
    this.clusterId = clusterId;
    this.options = options;
    this.cluster = new FakeAuthority(clusterId);
    this.transport = new PeerTransport(id, clusterId, this, () -> snapshots.open(), options);
    try {
      this.snapshotDir = Files.createTempDirectory("cairn-snap-").resolve("snap");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static TestMember started(long id) {
    return started(id, CLUSTER, PeerOptions.defaults());
  }

  static TestMember started(long id, long clusterId, PeerOptions options) {
    TestMember m = unstarted(id, clusterId, options);
    m.startServer();
    return m;
  }

  /** A member whose server is not listening yet. */
  static TestMember unstarted(long id, long clusterId, PeerOptions options) {
    return new TestMember(id, clusterId, options);
  }

  /** A numbered message from one member to another; the sequence number travels as the index. */
  static Message msg(long from, long to, long seq) {
    return Message.of(Message.Type.APPEND, from, to, 1).withLog(1, seq);
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  void knows(TestMember... others) {
    for (TestMember o : others) {
      transport.addPeer(o.id, List.of(o.url()));
    }
  }

  void startServer() {
    try {
      server =
          PeerServer.start(
              List.of(new InetSocketAddress("127.0.0.1", port)),
              id,
              clusterId,
              this,
              NO_LEASES,
              cluster,
              snapshotDir,
              options);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void stopServer() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  PeerServer server() {
    return server;
  }

  List<Message> received() {
    return List.copyOf(received);
  }

  /** The sequence numbers received from one member, in arrival order. */
  List<Long> seqsFrom(long sender) {
    return received.stream().filter(m -> m.from() == sender).map(Message::index).toList();
  }

  List<SnapshotReport> snapshotReports() {
    return List.copyOf(snapshotReports);
  }

  /** The names of the files in the snapshot directory. */
  List<String> snapshotFiles() {
    if (!Files.isDirectory(snapshotDir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(snapshotDir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  long unreachableReports(long peer) {
    LongAdder n = unreachable.get(peer);
    return n == null ? 0 : n.sum();
  }

  @Override
  public void receive(Message m) {
    received.add(m);
  }

  @Override
  public void unreachable(long peerId) {
    unreachable.computeIfAbsent(peerId, k -> new LongAdder()).increment();
  }

  @Override
  public void snapshotSent(long peerId, boolean delivered) {
    snapshotReports.add(new SnapshotReport(peerId, delivered));
  }

  @Override
  public void close() {
    transport.close();
    stopServer();
    try (Stream<Path> all = Files.walk(snapshotDir.getParent())) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory; the OS cleans up what is left
    }
  }

  private static final LeaseAuthority NO_LEASES =
      new LeaseAuthority() {
        @Override
        public long renew(long leaseId) {
          throw new IllegalStateException("no leases here");
        }

        @Override
        public dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse timeToLive(
            dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest request) {
          throw new IllegalStateException("no leases here");
        }
      };
}
