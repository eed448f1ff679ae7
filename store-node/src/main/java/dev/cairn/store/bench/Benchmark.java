package dev.cairn.store.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one benchmark: {@code conns} gRPC connections spread round-robin over the endpoints, {@code
 * clients} clients spread round-robin over the connections, each keeping exactly one request in
 * flight until {@code total} requests have been sent, as etcd's benchmark does.
 */
final class Benchmark {
  private static final long CONNECT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

  /**
   * Where to connect and how many connections and clients.
   *
   * @param tls the context for https endpoints (etcdctl's --cacert, --cert, --key), or null when
   *     every endpoint is http
   */
  record Settings(List<Endpoint> endpoints, int conns, int clients, SslContext tls) {}

  /** Sends request number {@code index} (0 ≤ index &lt; total) on {@code stub}. */
  @FunctionalInterface
  interface Op {
    ListenableFuture<?> send(KVGrpc.KVFutureStub stub, long index);
  }

  private Benchmark() {}

  static Report run(Settings settings, long total, Op op) throws InterruptedException {
    List<ManagedChannel> channels = connect(settings.endpoints(), settings.conns(), settings.tls());
    try {

      AtomicLong next = new AtomicLong();
      CountDownLatch done = new CountDownLatch(settings.clients());
      List<Client> clients = new ArrayList<>();
      for (int i = 0; i < settings.clients(); i++) {
        KVGrpc.KVFutureStub stub = KVGrpc.newFutureStub(channels.get(i % channels.size()));
        clients.add(new Client(stub, op, next, total, done));
      }
      long start = System.nanoTime();
      for (Client c : clients) {
        c.kick();
      }
      done.await();
      long elapsed = System.nanoTime() - start;
      List<LatencyStats> stats = new ArrayList<>();
      for (Client c : clients) {
        stats.add(c.stats);
      }
      return Report.of(LatencyStats.merge(stats), elapsed);
    } finally {
      close(channels);
    }
  }

  /**
   * Opens {@code conns} connections spread round-robin over {@code endpoints} and waits (up to 10
   * s) until they are connected, so that dialing is not measured.
   */
  static List<ManagedChannel> connect(List<Endpoint> endpoints, int conns, SslContext tls)
      throws InterruptedException {
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (int i = 0; i < conns; i++) {
        channels.add(open(endpoints.get(i % endpoints.size()), tls));
      }
      awaitConnected(channels, endpoints);
    } catch (InterruptedException | RuntimeException e) {
      close(channels);
      throw e;
    }
    return channels;
  }

  static void close(List<ManagedChannel> channels) throws InterruptedException {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : channels) {
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static ManagedChannel open(Endpoint ep, SslContext tls) {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(ep.host(), ep.port());
    if (ep.tls()) {
      b.sslContext(tls);
    } else {
      b.usePlaintext();
    }
    // Responses are handled on the transport's threads: the handler only records a latency and
    // sends the next request. etcd's client accepts responses of any size; so does this one.
    return b.directExecutor().maxInboundMessageSize(Integer.MAX_VALUE).build();
  }

  /** Connects every channel before the clock starts, so that dialing is not measured. */
  private static void awaitConnected(List<ManagedChannel> channels, List<Endpoint> endpoints)
      throws InterruptedException {
    long deadline = System.nanoTime() + CONNECT_TIMEOUT_NANOS;
    for (int i = 0; i < channels.size(); i++) {
      ManagedChannel ch = channels.get(i);
      ConnectivityState state = ch.getState(true);
      while (state != ConnectivityState.READY) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        CountDownLatch changed = new CountDownLatch(1);
        ch.notifyWhenStateChanged(state, changed::countDown);
        changed.await(left, TimeUnit.NANOSECONDS);
        state = ch.getState(true);
      }
      if (state != ConnectivityState.READY) {
        System.err.println(
            "bench: could not connect to "
                + endpoints.get(i % endpoints.size())
                + " ("
                + state
                + "); its requests will count as errors");
      }
    }
  }

  /**
   * One client: sends a request, waits for its response, sends the next. Its callbacks never run
   * concurrently (one request in flight), so its statistics need no locking; a drain loop keeps
   * requests that fail at once from recursing.
   */
  private static final class Client implements FutureCallback<Object> {
    private final KVGrpc.KVFutureStub stub;
    private final Op op;
    private final AtomicLong next;
    private final long total;
    private final CountDownLatch done;
    private final AtomicInteger wip = new AtomicInteger();
    final LatencyStats stats = new LatencyStats();
    private long sentAt;

    Client(KVGrpc.KVFutureStub stub, Op op, AtomicLong next, long total, CountDownLatch done) {
      this.stub = stub;
      this.op = op;
      this.next = next;
      this.total = total;
      this.done = done;
    }

    /** Sends the next request, now or (if a send is under way on another frame) right after. */
    void kick() {
      if (wip.getAndIncrement() != 0) {
        return;
      }
      do {
        sendNext();
      } while (wip.decrementAndGet() != 0);
    }

    private void sendNext() {
      long index = next.getAndIncrement();
      if (index >= total) {
        done.countDown();
        return;
      }
      sentAt = System.nanoTime();
      ListenableFuture<?> f;
      try {
        f = op.send(stub, index);
      } catch (RuntimeException e) {
        onFailure(e);
        return;
      }
      Futures.addCallback(f, this, MoreExecutors.directExecutor());
    }

    @Override
    public void onSuccess(Object result) {
      stats.recordLatency(System.nanoTime() - sentAt);
      kick();
    }

    @Override
    public void onFailure(Throwable t) {
      stats.recordError(ErrorMessages.of(t));
      kick();
    }
  }
}
