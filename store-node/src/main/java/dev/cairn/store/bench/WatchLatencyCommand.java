package dev.cairn.store.bench;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.PutResponse;
import dev.cairn.proto.etcdserverpb.WatchCreateRequest;
import dev.cairn.proto.etcdserverpb.WatchGrpc;
import dev.cairn.proto.etcdserverpb.WatchRequest;
import dev.cairn.proto.etcdserverpb.WatchResponse;
import dev.cairn.proto.mvccpb.Event;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bench watch-latency}: etcd benchmark's watch-latency. {@code --watchers} watchers on one
 * random key, spread round-robin over {@code --streams} Watch streams (themselves spread over the
 * {@code --conns} connections), are created and acknowledged before the clock starts; then {@code
 * --put-total} puts of that key are sent at {@code --put-rate} per second on a connection of their
 * own, and for every watcher and put the delay from the put's send time to the arrival of its event
 * is recorded.
 */
@Command(
    name = "watch-latency",
    aliases = "watch",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "Benchmark watch latency.")
final class WatchLatencyCommand implements Callable<Integer> {
  private static final long CREATE_TIMEOUT_SECONDS = 60;
  private static final long DRAIN_TIMEOUT_SECONDS = 30;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @ParentCommand BenchCommand bench;

  @Spec CommandSpec spec;

  @Option(
      names = "--watchers",
      defaultValue = "1000",
      description = "Total watchers on the key (default: ${DEFAULT-VALUE})")
  int watchers;

  @Option(
      names = "--watchers-per-stream",
      description = "Watchers per stream, as etcd's tool counts them (overrides --watchers)")
  Integer watchersPerStream;

  @Option(
      names = "--streams",
      defaultValue = "10",
      description = "Total watch streams (default: ${DEFAULT-VALUE})")
  int streams;

  @Option(
      names = {"--prev-kv", "--prevkv"},
      description = "PrevKV enabled on watch requests")
  boolean prevKv;

  @Option(
      names = "--put-total",
      defaultValue = "200",
      description = "Total number of put requests (default: ${DEFAULT-VALUE})")
  int putTotal;

  @Option(
      names = "--put-rate",
      defaultValue = "100",
      description = "Number of keys to put per second (default: ${DEFAULT-VALUE})")
  int putRate;

  @Option(
      names = "--key-size",
      defaultValue = "32",
      description = "Key size of watch response (default: ${DEFAULT-VALUE})")
  int keySize;

  @Option(
      names = "--val-size",
      defaultValue = "32",
      description = "Value size of watch response (default: ${DEFAULT-VALUE})")
  int valSize;

  @Override
  public Integer call() throws InterruptedException {
    if (streams < 1) {
      throw BenchCommand.usage(spec, "--streams must be at least 1");
    }
    if (watchersPerStream != null) {
      if (watchersPerStream < 1) {
        throw BenchCommand.usage(spec, "--watchers-per-stream must be at least 1");
      }
      watchers = Math.multiplyExact(watchersPerStream, streams);
    }
    if (watchers < 1) {
      throw BenchCommand.usage(spec, "--watchers must be at least 1");
    }
    if (putRate < 1) {
      throw BenchCommand.usage(spec, "--put-rate must be at least 1");
    }
    if (putTotal < 0 || keySize < 1 || valSize < 0) {
      throw BenchCommand.usage(
          spec, "--put-total and --val-size must not be negative, --key-size must be positive");
    }
    Benchmark.Settings settings = bench.settings(spec);
    ByteString key = Keys.randomValue(keySize);
    ByteString value = Keys.randomValue(valSize);

    List<ManagedChannel> channels =
        Benchmark.connect(settings.endpoints(), settings.conns(), settings.tls());
    List<ManagedChannel> putChannel =
        Benchmark.connect(settings.endpoints().subList(0, 1), 1, settings.tls());
    List<Stream> open = new ArrayList<>();
    try {
      Progress progress = new Progress(watchers);
      for (int s = 0; s < streams; s++) {
        int count = watchers / streams + (s < watchers % streams ? 1 : 0);
        if (count > 0) {
          open.add(new Stream(count, putTotal, progress));
        }
      }
      WatchCreateRequest create =
          WatchCreateRequest.newBuilder().setKey(key).setPrevKv(prevKv).build();
      for (int s = 0; s < open.size(); s++) {
        open.get(s).open(WatchGrpc.newStub(channels.get(s % channels.size())), create);
      }
      if (!progress.created.await(CREATE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
          || progress.failure != null) {
        System.err.println(
            "bench: could not create the watchers ("
                + (watchers - progress.created.getCount())
                + " of "
                + watchers
                + " created): "
                + (progress.failure == null ? "timed out" : progress.failure));
        return 1;
      }

      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(putChannel.get(0));
      PutRequest put = PutRequest.newBuilder().setKey(key).setValue(value).build();
      LatencyStats putStats = new LatencyStats();
      Map<Long, Long> sentAtByRevision = new HashMap<>();
      long start = System.nanoTime();
      long interval = TimeUnit.SECONDS.toNanos(1) / putRate;
      for (int i = 0; i < putTotal; i++) {
        long due = start + i * interval;
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        long sentAt = System.nanoTime();
        try {
          PutResponse r = kv.withDeadlineAfter(30, TimeUnit.SECONDS).put(put);
          putStats.recordLatency(System.nanoTime() - sentAt);
          sentAtByRevision.put(r.getHeader().getRevision(), sentAt);
        } catch (StatusRuntimeException e) {
          putStats.recordError(ErrorMessages.of(e));
        }
      }
      long putsEnd = System.nanoTime();
      progress.expect((long) sentAtByRevision.size() * watchers);
      boolean drained = progress.delivered.await(DRAIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      long end = drained ? progress.lastArrival() : System.nanoTime();

      LatencyStats watchStats = new LatencyStats();
      for (Stream s : open) {
        s.collect(sentAtByRevision, watchStats);
      }
      for (Stream s : open) {
        s.close();
      }
      System.out.print("\nPut summary:");
      Report.of(putStats, putsEnd - start).print(System.out, false);
      System.out.print("\nWatch events summary:");
      Report watchReport = Report.of(watchStats, Math.max(end, putsEnd) - start);
      watchReport.print(System.out);
      return watchReport.exitCode();
    } finally {
      Benchmark.close(channels);
      Benchmark.close(putChannel);
    }
  }

  /** Counts created watchers and delivered events over all streams. */
  private static final class Progress {
    final CountDownLatch created;
    final CountDownLatch delivered = new CountDownLatch(1);
    final AtomicLong events = new AtomicLong();
    final AtomicLong lastArrival = new AtomicLong();
    volatile long expected = Long.MAX_VALUE;
    volatile String failure;

    Progress(int watchers) {
      created = new CountDownLatch(watchers);
    }

    void arrived(int n, long at) {
      lastArrival.accumulateAndGet(at, Math::max);
      if (events.addAndGet(n) >= expected) {
        delivered.countDown();
      }
    }

    void expect(long n) {
      expected = n;
      if (events.get() >= n) {
        delivered.countDown();
      }
    }

    long lastArrival() {
      return lastArrival.get();
    }

    void fail(String why) {
      if (failure == null) {
        failure = why;
      }
      // Wake the waiter at once: the watchers will not all be created.
      while (created.getCount() > 0) {
        created.countDown();
      }
    }
  }

  /**
   * One Watch stream and its watchers: watch ids map to watchers in the order of their created
   * responses; each watcher keeps the revision and arrival time of every event it received. The
   * stream's callbacks run one at a time; the lock makes their records visible to the collector.
   */
  private static final class Stream implements StreamObserver<WatchResponse> {
    private final int watchers;
    private final Progress progress;
    private final Map<Long, Integer> byWatchId = new HashMap<>();
    private final long[][] revisions;
    private final long[][] arrivals;
    private final int[] received;
    private final List<String> errors = new ArrayList<>();
    private StreamObserver<WatchRequest> requests;

    Stream(int watchers, int putTotal, Progress progress) {
      this.watchers = watchers;
      this.progress = progress;
      this.revisions = new long[watchers][putTotal];
      this.arrivals = new long[watchers][putTotal];
      this.received = new int[watchers];
    }

    void open(WatchGrpc.WatchStub stub, WatchCreateRequest create) {
      requests = stub.watch(this);
      WatchRequest request = WatchRequest.newBuilder().setCreateRequest(create).build();
      for (int i = 0; i < watchers; i++) {
        requests.onNext(request);
      }
    }

    @Override
    public synchronized void onNext(WatchResponse r) {
      long now = System.nanoTime();
      if (r.getCreated()) {
        if (r.getCanceled() || r.getWatchId() < 0 || byWatchId.size() >= watchers) {
          progress.fail("watch create refused: " + r.getCancelReason());
          return;
        }
        byWatchId.put(r.getWatchId(), byWatchId.size());
        progress.created.countDown();
      }
      Integer w = byWatchId.get(r.getWatchId());
      if (w != null && r.getEventsCount() > 0) {
        int n = 0;
        for (Event e : r.getEventsList()) {
          int k = received[w];
          if (k < revisions[w].length) {
            revisions[w][k] = e.getKv().getModRevision();
            arrivals[w][k] = now;
            received[w] = k + 1;
            n++;
          }
        }
        progress.arrived(n, now);
      }
      if (r.getCanceled() && !r.getCreated()) {
        errors.add("watch canceled: " + r.getCancelReason());
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      errors.add(ErrorMessages.of(t));
      progress.fail(ErrorMessages.of(t));
    }

    @Override
    public void onCompleted() {
      onError(new IllegalStateException("watch stream closed by the server"));
    }

    /** Records each watcher's event delays and an error for every put whose event is missing. */
    synchronized void collect(Map<Long, Long> sentAtByRevision, LatencyStats stats) {
      for (String e : errors) {
        stats.recordError(e);
      }
      for (int w = 0; w < watchers; w++) {
        int matched = 0;
        for (int k = 0; k < received[w]; k++) {
          Long sentAt = sentAtByRevision.get(revisions[w][k]);
          if (sentAt == null) {
            stats.recordError("event for a revision no successful put returned");
          } else {
            stats.recordLatency(arrivals[w][k] - sentAt);
            matched++;
          }
        }
        for (int k = matched; k < sentAtByRevision.size(); k++) {
          stats.recordError(
              "event not received within " + DRAIN_TIMEOUT_SECONDS + " s of the last put");
        }
      }
    }

    void close() {
      try {
        requests.onCompleted();
      } catch (RuntimeException e) {
        // The stream is gone already.
      }
    }
  }
}
