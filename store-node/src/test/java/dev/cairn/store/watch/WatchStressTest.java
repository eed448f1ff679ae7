package dev.cairn.store.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.Compare;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeResponse;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.ResponseOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.proto.etcdserverpb.WatchCreateRequest;
import dev.cairn.proto.etcdserverpb.WatchGrpc;
import dev.cairn.proto.etcdserverpb.WatchRequest;
import dev.cairn.proto.etcdserverpb.WatchResponse;
import dev.cairn.proto.mvccpb.Event;
import dev.cairn.store.support.KeyRange;
import dev.cairn.store.testing.InProcessMember;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many watchers on many gRPC streams while a writer changes their keys: every watcher gets every
 * matching event exactly once, in revision order, including the watchers of one client that reads
 * its stream very slowly, and that slow client does not hold the writer back.
 *
 * <p>The writer records the revision and changes of every acknowledged request in a ledger (a
 * DeleteRange asks for prev_kv to learn which keys it deleted); each watcher's expected events are
 * computed from the ledger. Stream 0 is the slow one: its client uses gRPC's manual flow control,
 * takes one message at a time at a slow pace and has a small HTTP/2 window, so the server's queue
 * for it fills and its watchers fall behind and catch up from history. When the writer is done, a
 * final round puts then deletes every key (the marker), the slow client is let go, and the test
 * waits until every watcher has seen the marker.
 */
class WatchStressTest {
  private static final Logger log = LoggerFactory.getLogger(WatchStressTest.class);

  private static final int GROUPS = 40;
  private static final int PER_GROUP = 10;
  private static final int KEYS = GROUPS * PER_GROUP;
  private static final String[] KEY = new String[KEYS];
  private static final Map<String, Integer> INDEX = new HashMap<>();

  static {
    for (int i = 0; i < KEYS; i++) {
      KEY[i] = String.format("w/g%02d/k%d", i / PER_GROUP, i % PER_GROUP);
      INDEX.put(KEY[i], i);
    }
  }

  /** The slow client takes its next message this long after the previous one. */
  private static final long SLOW_PACE_MILLIS = 20;

  @TempDir Path dir;

  private record Scale(
      int streams, int watchersPerStream, int prefillOps, int writerOps, int writerThreads) {}

  @Test
  void tenThousandWatchersOnAHundredStreamsGetEveryEventExactlyOnceDespiteASlowClient()
      throws Exception {
    run(new Scale(100, 100, 300, 3000, 4), 1);
  }

  @Test
  @Tag("slow")
  void twentyThousandWatchersAndTenThousandWritesGetEveryEventExactlyOnce() throws Exception {
    run(new Scale(200, 100, 1000, 10_000, 8), 2);
  }

  /**
   * Watchers that start before the compacted revision are told so, each after its created response:
   * the client pairs created responses with its requests in order, and a compaction notice for a
   * watch it has not seen created would be misread. The catch-up thread that sends the notice races
   * the stream that sends the created response, so many watchers are created at once.
   */
  @Test
  void watchersStartingBeforeTheCompactedRevisionAreToldSoAfterTheirCreatedResponse()
      throws Exception {
    int watchers = 1000;
    try (InProcessMember member = new InProcessMember(dir)) {
      ManagedChannel ch = member.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        for (int i = 0; i < 20; i++) {
          kv.put(PutRequest.newBuilder().setKey(b(KEY[i])).setValue(b("v")).build());
        }
        kv.compact(
            dev.cairn.proto.etcdserverpb.CompactionRequest.newBuilder().setRevision(15).build());
        int streams = 8;
        List<List<WatchResponse>> got = new ArrayList<>();
        List<io.grpc.stub.StreamObserver<WatchRequest>> requests = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
          List<WatchResponse> mine = new java.util.concurrent.CopyOnWriteArrayList<>();
          got.add(mine);
          requests.add(
              WatchGrpc.newStub(ch)
                  .watch(
                      new io.grpc.stub.StreamObserver<WatchResponse>() {
                        @Override
                        public void onNext(WatchResponse r) {
                          mine.add(r);
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {}
                      }));
        }
        for (int i = 0; i < watchers; i++) {
          for (var r : requests) {
            r.onNext(single(i % KEYS, 1 + i % 14).request());
          }
        }
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> got.stream().allMatch(g -> g.size() >= 2 * watchers));
        requests.forEach(r -> r.onError(new RuntimeException("test done")));

        List<String> problems = new ArrayList<>();
        for (List<WatchResponse> stream : got) {
          Map<Long, Integer> createdAt = new HashMap<>();
          for (int i = 0; i < stream.size(); i++) {
            WatchResponse r = stream.get(i);
            if (r.getCreated()) {
              createdAt.put(r.getWatchId(), i);
            } else if (r.getCompactRevision() != 0) {
              assertThat(r.getCompactRevision()).isEqualTo(15);
              assertThat(r.getCanceled()).isTrue();
              if (!createdAt.containsKey(r.getWatchId())) {
                problems.add("compacted before created: watch " + r.getWatchId() + " at " + i);
              }
            } else {
              problems.add("unexpected response " + r);
            }
          }
          assertThat(createdAt).hasSize(watchers);
        }
        assertThat(problems).isEmpty();
      } finally {
        ch.shutdownNow();
      }
    }
  }

  // ---- keys, changes and watch specs ----

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** One change of one key, as the writer saw it acknowledged. */
  private record Change(boolean put, int key) {}

  /** One event as a watcher saw it; prevRev is -1 when the watcher did not ask for prev_kv. */
  private record Ev(long rev, boolean put, int key, long prevRev) {}

  /** Keys [lo, hi) in key order, with the request's key and range_end. */
  private record Spec(
      String name,
      ByteString key,
      ByteString end,
      int lo,
      int hi,
      long startRev,
      boolean noPut,
      boolean noDelete,
      boolean prevKv) {
    boolean wants(Change c) {
      return c.key() >= lo && c.key() < hi && !(c.put() ? noPut : noDelete);
    }

    WatchRequest request() {
      WatchCreateRequest.Builder c =
          WatchCreateRequest.newBuilder()
              .setKey(key)
              .setRangeEnd(end)
              .setStartRevision(startRev)
              .setPrevKv(prevKv);
      if (noPut) {
        c.addFilters(WatchCreateRequest.FilterType.NOPUT);
      }
      if (noDelete) {
        c.addFilters(WatchCreateRequest.FilterType.NODELETE);
      }
      return WatchRequest.newBuilder().setCreateRequest(c).build();
    }
  }

  private static Spec single(int k, long start) {
    return new Spec(
        "key " + KEY[k], b(KEY[k]), ByteString.EMPTY, k, k + 1, start, false, false, false);
  }

  private static Spec group(int g, long start, boolean noPut, boolean noDelete, boolean prevKv) {
    String p = String.format("w/g%02d/", g);
    return new Spec(
        "prefix " + p,
        b(p),
        ByteString.copyFrom(KeyRange.prefixEnd(p.getBytes(StandardCharsets.UTF_8))),
        g * PER_GROUP,
        (g + 1) * PER_GROUP,
        start,
        noPut,
        noDelete,
        prevKv);
  }

  private static Spec between(int from, int to, long start) {
    return new Spec(
        "range [" + KEY[from] + ", " + KEY[to] + ")",
        b(KEY[from]),
        b(KEY[to]),
        from,
        to,
        start,
        false,
        false,
        false);
  }

  private static Spec fromKey(int from, long start) {
    return new Spec(
        "from " + KEY[from],
        b(KEY[from]),
        ByteString.copyFrom(new byte[] {0}),
        from,
        KEYS,
        start,
        false,
        false,
        false);
  }

  private static Spec all(long start) {
    return new Spec("prefix w/", b("w/"), b("w0"), 0, KEYS, start, false, false, false);
  }

  /** A mix of single keys, prefixes and ranges; some start in the past, a few in the future. */
  private static Spec randomSpec(Random rnd, long prefillRev, int writerOps) {
    long start;
    int s = rnd.nextInt(100);
    if (s < 25) {
      start = 2 + rnd.nextLong(prefillRev - 1); // in the past: [2, prefillRev]
    } else if (s < 30) {
      start = prefillRev + 1 + rnd.nextInt(writerOps / 2); // in the future
    } else {
      start = 0; // from now
    }
    int kind = rnd.nextInt(1000);
    if (kind < 450) {
      return single(rnd.nextInt(KEYS), start);
    } else if (kind < 700) {
      return group(rnd.nextInt(GROUPS), start, false, false, false);
    } else if (kind < 850) {
      int from = rnd.nextInt(KEYS - 31);
      return between(from, from + 1 + rnd.nextInt(30), start);
    } else if (kind < 900) {
      return fromKey(KEYS - 1 - rnd.nextInt(3 * PER_GROUP), start);
    } else if (kind < 930) {
      return group(rnd.nextInt(GROUPS), start, true, false, false);
    } else if (kind < 960) {
      return group(rnd.nextInt(GROUPS), start, false, true, false);
    } else if (kind < 998) {
      return group(rnd.nextInt(GROUPS), start, false, false, true);
    } else {
      return all(start);
    }
  }

  // ---- the writer and its ledger ----

  /** Every acknowledged change by revision; nothing else writes to the member. */
  private static final class Ledger {
    final ConcurrentSkipListMap<Long, List<Change>> byRev = new ConcurrentSkipListMap<>();

    void record(long rev, List<Change> changes) {
      if (changes.isEmpty()) {
        return; // changed nothing: no revision
      }
      List<Change> before = byRev.putIfAbsent(rev, List.copyOf(changes));
      assertThat(before).as("two acknowledged requests at revision %d", rev).isNull();
    }

    long last() {
      return byRev.lastKey();
    }

    /** Each change's prev_kv revision: the key's last put before it, 0 if none or deleted. */
    Map<Long, long[]> prevRevs() {
      long[] lastPut = new long[KEYS];
      Map<Long, long[]> out = new HashMap<>();
      for (Map.Entry<Long, List<Change>> e : byRev.entrySet()) {
        long[] prev = new long[e.getValue().size()];
        for (int i = 0; i < prev.length; i++) {
          Change c = e.getValue().get(i);
          prev[i] = lastPut[c.key()];
          lastPut[c.key()] = c.put() ? e.getKey() : 0;
        }
        out.put(e.getKey(), prev);
      }
      return out;
    }

    List<Ev> expected(Spec s, long from, Map<Long, long[]> prevRevs) {
      List<Ev> out = new ArrayList<>();
      for (Map.Entry<Long, List<Change>> e : byRev.tailMap(from, true).entrySet()) {
        List<Change> cs = e.getValue();
        for (int i = 0; i < cs.size(); i++) {
          Change c = cs.get(i);
          if (s.wants(c)) {
            long prev = s.prevKv() ? prevRevs.get(e.getKey())[i] : -1;
            // A creation carries no prev_kv.
            out.add(new Ev(e.getKey(), c.put(), c.key(), c.put() && prev == 0 ? 0 : prev));
          }
        }
      }
      return out;
    }
  }

  private static final class Writer {
    private final KVGrpc.KVBlockingStub kv;
    private final Ledger ledger;
    private final Random rnd;
    private final String tag;

    Writer(ManagedChannel ch, Ledger ledger, long seed, String tag) {
      this.kv = KVGrpc.newBlockingStub(ch);
      this.ledger = ledger;
      this.rnd = new Random(seed);
      this.tag = tag;
    }

    private KVGrpc.KVBlockingStub kv() {
      return kv.withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    void run(int ops) {
      for (int i = 0; i < ops; i++) {
        int op = rnd.nextInt(100);
        if (op < 55) {
          put(rnd.nextInt(KEYS), tag + i);
        } else if (op < 70) {
          int k = rnd.nextInt(KEYS);
          delete(b(KEY[k]), ByteString.EMPTY);
        } else if (op < 78) {
          int k = rnd.nextInt(KEYS - 8);
          delete(b(KEY[k]), b(KEY[k + 1 + rnd.nextInt(7)]));
        } else {
          txn(i);
        }
      }
    }

    void put(int k, String value) {
      long rev =
          kv().put(PutRequest.newBuilder().setKey(b(KEY[k])).setValue(b(value)).build())
              .getHeader()
              .getRevision();
      ledger.record(rev, List.of(new Change(true, k)));
    }

    void delete(ByteString key, ByteString end) {
      DeleteRangeResponse r =
          kv().deleteRange(
                  DeleteRangeRequest.newBuilder()
                      .setKey(key)
                      .setRangeEnd(end)
                      .setPrevKv(true)
                      .build());
      assertThat(r.getPrevKvsCount()).isEqualTo(r.getDeleted());
      ledger.record(r.getHeader().getRevision(), deletions(r));
    }

    private static List<Change> deletions(DeleteRangeResponse r) {
      List<Change> out = new ArrayList<>();
      r.getPrevKvsList()
          .forEach(kv -> out.add(new Change(false, INDEX.get(kv.getKey().toStringUtf8()))));
      return out;
    }

    /** If a exists: put a, delete b, put c; else put d, or only read d (no revision). */
    void txn(int i) {
      int[] k = rnd.ints(0, KEYS).distinct().limit(4).toArray();
      boolean readOnlyFailure = rnd.nextBoolean();
      TxnRequest.Builder t =
          TxnRequest.newBuilder()
              .addCompare(
                  Compare.newBuilder()
                      .setKey(b(KEY[k[0]]))
                      .setTarget(Compare.CompareTarget.VERSION)
                      .setResult(Compare.CompareResult.GREATER)
                      .setVersion(0))
              .addSuccess(putOp(k[0], tag + "t" + i))
              .addSuccess(
                  RequestOp.newBuilder()
                      .setRequestDeleteRange(
                          DeleteRangeRequest.newBuilder().setKey(b(KEY[k[1]])).setPrevKv(true)))
              .addSuccess(putOp(k[2], tag + "t" + i));
      if (readOnlyFailure) {
        t.addFailure(
            RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(KEY[k[3]]))));
      } else {
        t.addFailure(putOp(k[3], tag + "f" + i));
      }
      TxnRequest req = t.build();
      TxnResponse r = kv().txn(req);
      List<RequestOp> ops = r.getSucceeded() ? req.getSuccessList() : req.getFailureList();
      List<Change> changes = new ArrayList<>();
      for (int j = 0; j < ops.size(); j++) {
        ResponseOp resp = r.getResponses(j);
        switch (resp.getResponseCase()) {
          case RESPONSE_PUT ->
              changes.add(
                  new Change(true, INDEX.get(ops.get(j).getRequestPut().getKey().toStringUtf8())));
          case RESPONSE_DELETE_RANGE -> {
            DeleteRangeResponse d = resp.getResponseDeleteRange();
            d.getPrevKvsList()
                .forEach(
                    kv -> changes.add(new Change(false, INDEX.get(kv.getKey().toStringUtf8()))));
          }
          default -> {}
        }
      }
      ledger.record(r.getHeader().getRevision(), changes);
    }

    private static RequestOp putOp(int k, String value) {
      return RequestOp.newBuilder()
          .setRequestPut(PutRequest.newBuilder().setKey(b(KEY[k])).setValue(b(value)))
          .build();
    }

    /** Puts every key (in transactions of 100 puts), then deletes them all in one revision. */
    void marker() {
      for (int from = 0; from < KEYS; from += 100) {
        TxnRequest.Builder t = TxnRequest.newBuilder();
        List<Change> changes = new ArrayList<>();
        for (int k = from; k < Math.min(KEYS, from + 100); k++) {
          t.addSuccess(putOp(k, "marker"));
          changes.add(new Change(true, k));
        }
        ledger.record(kv().txn(t.build()).getHeader().getRevision(), changes);
      }
      DeleteRangeResponse r =
          kv().deleteRange(
                  DeleteRangeRequest.newBuilder()
                      .setKey(b("w/"))
                      .setRangeEnd(b("w0"))
                      .setPrevKv(true)
                      .build());
      assertThat(r.getDeleted()).isEqualTo(KEYS);
      ledger.record(r.getHeader().getRevision(), deletions(r));
    }
  }

  // ---- a watch stream's client ----

  private static final class StreamClient
      implements ClientResponseObserver<WatchRequest, WatchResponse> {
    private final int number;
    private final List<Spec> specs;
    private final boolean slow;
    private final ScheduledExecutorService pacer;

    // Guarded by this.
    private final List<List<Ev>> received = new ArrayList<>();
    private final Map<Long, Integer> specOfId = new HashMap<>();
    private final List<String> errors = new ArrayList<>();
    private int created;
    private long events;
    private long responses;
    private long catchUpResponses;

    private volatile ClientCallStreamObserver<WatchRequest> call;
    private volatile boolean paced;
    private volatile boolean draining;

    StreamClient(int number, List<Spec> specs, boolean slow, ScheduledExecutorService pacer) {
      this.number = number;
      this.specs = specs;
      this.slow = slow;
      this.pacer = pacer;
      specs.forEach(s -> received.add(new ArrayList<>()));
    }

    void open(WatchGrpc.WatchStub stub) {
      stub.watch(this);
      for (Spec s : specs) {
        call.onNext(s.request());
      }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      call = requestStream;
      if (slow) {
        requestStream.disableAutoRequestWithInitial(1);
      }
    }

    @Override
    public void onNext(WatchResponse r) {
      synchronized (this) {
        responses++;
        if (r.getCreated()) {
          // Created responses come in request order: the n-th is for the n-th create.
          if (r.getCanceled() || created >= specs.size()) {
            errors.add("unexpected created response " + r);
          } else {
            specOfId.put(r.getWatchId(), created++);
          }
        } else if (r.getCanceled() || r.getCompactRevision() != 0) {
          errors.add("watch ended: " + r);
        } else if (r.getEventsCount() > 0) {
          Integer idx = specOfId.get(r.getWatchId());
          if (idx == null) {
            errors.add("events for watch " + r.getWatchId() + " before its created response");
          } else {
            boolean catchUp = false;
            boolean prevKv = specs.get(idx).prevKv();
            for (Event e : r.getEventsList()) {
              long rev = e.getKv().getModRevision();
              catchUp |= rev < r.getHeader().getRevision();
              long prev = !prevKv ? -1 : e.hasPrevKv() ? e.getPrevKv().getModRevision() : 0;
              received
                  .get(idx)
                  .add(
                      new Ev(
                          rev,
                          e.getType() == Event.EventType.PUT,
                          INDEX.getOrDefault(e.getKv().getKey().toStringUtf8(), -1),
                          prev));
            }
            events += r.getEventsCount();
            if (catchUp) {
              catchUpResponses++;
            }
          }
        }
      }
      if (slow && !draining) {
        if (paced) {
          pacer.schedule(() -> call.request(1), SLOW_PACE_MILLIS, TimeUnit.MILLISECONDS);
        } else {
          call.request(1);
        }
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      errors.add("stream failed: " + t);
    }

    @Override
    public void onCompleted() {}

    void pace() {
      paced = true;
    }

    /** Lets the slow client read as fast as it can. */
    void drain() {
      draining = true;
      call.request(Integer.MAX_VALUE / 2);
    }

    synchronized boolean allCreated() {
      return created == specs.size();
    }

    synchronized long events() {
      return events;
    }

    synchronized long catchUpResponses() {
      return catchUpResponses;
    }

    synchronized List<String> errors() {
      return errors.stream().map(e -> "stream " + number + ": " + e).toList();
    }

    synchronized List<Ev> received(int idx) {
      return List.copyOf(received.get(idx));
    }

    synchronized int receivedCount(int idx) {
      return received.get(idx).size();
    }

    void close() {
      call.cancel("test done", null);
    }
  }

  // ---- the run ----

  private void run(Scale scale, long seed) throws Exception {
    Random rnd = new Random(seed);
    List<ManagedChannel> channels = new ArrayList<>();
    List<StreamClient> clients = new ArrayList<>();
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    ExecutorService writers = Executors.newFixedThreadPool(scale.writerThreads());
    try (InProcessMember member = new InProcessMember(dir)) {
      for (int i = 0; i < 4; i++) {
        channels.add(member.channel());
      }
      // The slow client's own connection, with a small fixed HTTP/2 window, so that what it
      // does not read soon fills the server's queue rather than this client's buffers.
      ManagedChannel slowChannel =
          NettyChannelBuilder.forAddress("127.0.0.1", member.port())
              .usePlaintext()
              .flowControlWindow(64 * 1024)
              .maxInboundMessageSize(64 << 20)
              .build();
      channels.add(slowChannel);
      Ledger ledger = new Ledger();

      // History for the watchers that start in the past.
      long prefillStart = System.nanoTime();
      new Writer(channels.get(0), ledger, seed * 1000, "p").run(scale.prefillOps());
      long prefillRev = ledger.last();
      log.info(
          "prefill: {} requests on one thread, no watchers, in {} ms",
          scale.prefillOps(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - prefillStart));

      int total = scale.streams() * scale.watchersPerStream();
      for (int s = 0; s < scale.streams(); s++) {
        List<Spec> specs = new ArrayList<>();
        for (int w = 0; w < scale.watchersPerStream(); w++) {
          if (s == 0) {
            // The slow client watches from now, broadly: any response of its with events older
            // than its header was sent from history, after its watcher fell behind.
            specs.add(w % 10 == 0 ? all(0) : group(w % GROUPS, 0, false, false, w % 7 == 0));
          } else {
            specs.add(randomSpec(rnd, prefillRev, scale.writerOps()));
          }
        }
        StreamClient c = new StreamClient(s, specs, s == 0, pacer);
        c.open(WatchGrpc.newStub(s == 0 ? slowChannel : channels.get(s % 4)));
        clients.add(c);
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> clients.stream().allMatch(StreamClient::allCreated));
      assertThat(member.server().watchable().size()).isEqualTo(total);
      assertThat(
              KVGrpc.newBlockingStub(channels.get(0))
                  .range(
                      RangeRequest.newBuilder()
                          .setKey(b("w/"))
                          .setRangeEnd(b("w0"))
                          .setLimit(1)
                          .build())
                  .getHeader()
                  .getRevision())
          .as("nothing written since the prefill: the watchers from now start after it")
          .isEqualTo(prefillRev);
      StreamClient slow = clients.get(0);
      slow.pace();

      // The writer, on several threads.
      long started = System.nanoTime();
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < scale.writerThreads(); t++) {
        Writer w = new Writer(channels.get(t % 4), ledger, seed * 1000 + 1 + t, "w" + t + "-");
        done.add(writers.submit(() -> w.run(scale.writerOps() / scale.writerThreads())));
      }
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
      Duration writing = Duration.ofNanos(System.nanoTime() - started);
      long slowEventsWhenWriterDone = slow.events();
      long slowCatchUps = slow.catchUpResponses();
      long lastWriterRev = ledger.last();

      new Writer(channels.get(0), ledger, 0, "m").marker();
      long markerRev = ledger.last();

      // The ledger covers every revision: nothing was written that it does not know of.
      assertThat(ledger.byRev.firstKey()).isEqualTo(2);
      assertThat(ledger.byRev.size()).isEqualTo(markerRev - 1);

      // Expected events per watcher, counted now and listed again at the end, to keep memory down.
      Map<Long, long[]> prevRevs = ledger.prevRevs();
      List<int[]> expectedCounts = new ArrayList<>();
      long expectedEvents = 0;
      for (StreamClient c : clients) {
        int[] counts = new int[c.specs.size()];
        for (int i = 0; i < counts.length; i++) {
          counts[i] = expected(ledger, c.specs.get(i), prefillRev, prevRevs).size();
          assertThat(counts[i]).as("every watcher sees the marker").isPositive();
          expectedEvents += counts[i];
        }
        expectedCounts.add(counts);
      }
      long slowExpected = java.util.Arrays.stream(expectedCounts.get(0)).asLongStream().sum();
      log.info(
          "{} watchers on {} streams; writer: {} revisions ({}..{}) in {} ms on {} threads;"
              + " slow client had {} of its {} events ({} catch-up responses) when it finished;"
              + " {} events expected in all",
          total,
          scale.streams(),
          lastWriterRev - prefillRev,
          prefillRev + 1,
          lastWriterRev,
          writing.toMillis(),
          scale.writerThreads(),
          slowEventsWhenWriterDone,
          slowExpected,
          slowCatchUps,
          expectedEvents);

      // The slow client did not hold the writer back: the writer was done long before it.
      assertThat(slowEventsWhenWriterDone)
          .as("events the slow client had read when the writer finished")
          .isLessThan(slowExpected / 2);

      slow.drain();
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(200))
          .failFast(
              "a stream reported an error",
              () -> clients.stream().anyMatch(c -> !c.errors().isEmpty()))
          .until(() -> allReceived(clients, expectedCounts, false));
      // Nothing more arrives: no duplicates after the last expected event.
      await()
          .during(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(5))
          .until(() -> allReceived(clients, expectedCounts, true));

      for (int c = 0; c < clients.size(); c++) {
        StreamClient client = clients.get(c);
        assertThat(client.errors()).as("stream %d", c).isEmpty();
        for (int i = 0; i < client.specs.size(); i++) {
          assertThat(client.received(i))
              .as("stream %d watcher %d: %s", c, i, client.specs.get(i))
              .isEqualTo(expected(ledger, client.specs.get(i), prefillRev, prevRevs));
        }
      }
      assertThat(slow.catchUpResponses())
          .as("the slow client's watchers fell behind and caught up from history")
          .isPositive();
      log.info("slow client: {} catch-up responses in all", slow.catchUpResponses());
    } finally {
      clients.forEach(StreamClient::close);
      channels.forEach(ManagedChannel::shutdownNow);
      writers.shutdownNow();
      pacer.shutdownNow();
    }
  }

  /** The events a watcher must get: from its start, or from after the prefill if from now. */
  private static List<Ev> expected(
      Ledger ledger, Spec s, long prefillRev, Map<Long, long[]> prevRevs) {
    return ledger.expected(s, s.startRev() == 0 ? prefillRev + 1 : s.startRev(), prevRevs);
  }

  /** Whether every watcher has all its expected events (exactly that many if {@code exact}). */
  private static boolean allReceived(
      List<StreamClient> clients, List<int[]> expected, boolean exact) {
    for (int c = 0; c < clients.size(); c++) {
      StreamClient client = clients.get(c);
      for (int i = 0; i < client.specs.size(); i++) {
        int got = client.receivedCount(i);
        int want = expected.get(c)[i];
        if (exact ? got != want : got < want) {
          return false;
        }
      }
    }
    return true;
  }
}
