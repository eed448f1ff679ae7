package dev.cairn.store.transport;

import dev.cairn.store.raft.Message;
import dev.cairn.store.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/** A member's transport and server on a loopback port, recording what reaches its Inbound. */
final class TestMember implements Inbound, AutoCloseable {
  static final long CLUSTER = 0xc1c1c1c1L;

  final long id;
  final int port = Ports.free();
  final PeerTransport transport;
  private final long clusterId;
  private final PeerOptions options;
  private final Queue<Message> received = new ConcurrentLinkedQueue<>();
  private final Map<Long, LongAdder> unreachable = new ConcurrentHashMap<>();
  private PeerServer server;

  private TestMember(long id, long clusterId, PeerOptions options) {
    this.id = id;
    this.clusterId = clusterId;
    this.options = options;
    this.transport = new PeerTransport(id, clusterId, this, options);
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
              List.of(new InetSocketAddress("127.0.0.1", port)), id, clusterId, this, options);
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
  public void close() {
    transport.close();
    stopServer();
  }
}
