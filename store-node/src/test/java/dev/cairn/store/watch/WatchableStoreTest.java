package dev.cairn.store.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.cairn.proto.mvccpb.Event;
import dev.cairn.store.mvcc.MvccStore;
import dev.cairn.store.mvcc.WriteView;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.support.KeyRange;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchable store on a real MVCC store: writes go through write batches as the applier makes
 * them, and their events are handed to {@link WatchableStore#notify} as the apply thread does.
 * Watchers deliver to a recording sink that can be made full.
 */
class WatchableStoreTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private Backend backend;
  private MvccStore store;
  private WatchableStore watchable;
  private long index;

  @BeforeEach
  void open() {
    backend = Backend.open(dir, BackendConfig.mvcc(), Schema.MVCC_TABLES);
    store = MvccStore.open(backend);
    watchable = new WatchableStore(store);
  }

  @AfterEach
  void close() {
    watchable.close();
    backend.close();
  }

  // ---- writing ----

  private interface Request {
    void apply(WriteView w);
  }

  /** Applies the requests in one batch (one revision each that changes something), notifies. */
  private synchronized List<Event> batch(Request... requests) {
    List<Event> events;
    try (MvccStore.WriteBatch batch = store.beginBatch()) {
      for (Request r : requests) {
        MvccStore.WriteBatch.Txn t = batch.beginTxn();
        r.apply(t);
        t.end();
      }
      batch.commit(++index, 1);
      events = List.copyOf(batch.events());
    }
    watchable.notify(events);
    return events;
  }

  /** One request in its own batch; returns the store revision after it. */
  private long write(Request r) {
    batch(r);
    return store.currentRevision();
  }

  private long put(String key, String value) {
    return write(w -> w.put(b(key), b(value), 0));
  }

  private long delete(String key) {
    return write(w -> w.deleteRange(single(key)));
  }

  private synchronized void compact(long atRev) {
    try (MvccStore.WriteBatch batch = store.beginBatch()) {
      batch.compact(atRev);
      batch.commit(++index, 1);
    }
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static KeyRange single(String k) {
    return KeyRange.of(bytes(k), null);
  }

  private static KeyRange range(String from, String to) {
    return KeyRange.of(bytes(from), bytes(to));
  }

  private static KeyRange prefix(String p) {
    return KeyRange.of(bytes(p), KeyRange.prefixEnd(bytes(p)));
  }

  private static KeyRange fromKey(String k) {
    return KeyRange.of(bytes(k), new byte[] {0});
  }

  /** "PUT a@5" / "DELETE a@7". */
  private static String describe(Event e) {
    return e.getType() + " " + e.getKv().getKey().toStringUtf8() + "@" + e.getKv().getModRevision();
  }

  private Watcher watch(long id, KeyRange range, long startRev, RecordingSink sink) {
    return watchable.watch(id, range, startRev, false, false, false, sink);
  }

  private boolean isSynced(Watcher w) {
    return watchable.progressRevisionIfSynced(List.of(w)) >= 0;
  }

  /** Every change in the store's history from {@code from} on that the predicate selects. */
  private List<String> expected(long from, Predicate<Event> wanted) {
    return select(store.history(from, store.currentRevision(), Integer.MAX_VALUE), from, wanted);
  }

  private static List<String> select(List<Event> history, long from, Predicate<Event> wanted) {
    List<String> out = new ArrayList<>();
    for (Event e : history) {
      if (e.getKv().getModRevision() >= from && wanted.test(e)) {
        out.add(describe(e));
      }
    }
    return out;
  }

  private static Predicate<Event> in(KeyRange r) {
    return e -> r.contains(e.getKv().getKey().toByteArray());
  }

  // ---- the sink ----

  /** A stream that records what it is given and can be made full. */
  static final class RecordingSink implements WatchSink {
    record Response(long watchId, List<Event> events, long revision) {}

    private final List<Response> responses = new ArrayList<>();
    private final List<long[]> compactions = new ArrayList<>();
    private final List<long[]> progress = new ArrayList<>();
    private volatile boolean full;
    private int refusals;

    void full(boolean f) {
      full = f;
    }

    @Override
    public synchronized boolean events(long watchId, List<Event> events, long revision) {
      assertThat(events).isNotEmpty();
      if (full) {
        refusals++;
        return false;
      }
      responses.add(new Response(watchId, List.copyOf(events), revision));
      return true;
    }

    @Override
    public synchronized void compacted(long watchId, long compactRevision) {
      compactions.add(new long[] {watchId, compactRevision});
    }

    @Override
    public synchronized void progress(long watchId, long revision) {
      progress.add(new long[] {watchId, revision});
    }

    @Override
    public boolean hasRoom() {
      return !full;
    }

    synchronized List<Response> responses(long id) {
      return responses.stream().filter(r -> r.watchId() == id).toList();
    }

    synchronized List<String> events(long id) {
      List<String> out = new ArrayList<>();
      for (Response r : responses) {
        if (r.watchId() == id) {
          r.events().forEach(e -> out.add(describe(e)));
        }
      }
      return out;
    }

    synchronized List<long[]> compactions() {
      return List.copyOf(compactions);
    }

    synchronized List<long[]> progress() {
      return List.copyOf(progress);
    }

    synchronized int refusals() {
      return refusals;
    }
  }

  // ---- synced watchers ----

  @Test
  void aSyncedWatcherGetsOneResponsePerRevisionWithThatRevisionsEvents() {
    RecordingSink sink = new RecordingSink();
    watch(1, prefix("p/"), 0, sink);
    watch(2, single("p/a"), 0, sink);

    // Three requests in one batch: three revisions, each its own response.
    List<Event> events =
        batch(
            w -> w.put(b("p/a"), b("1"), 0),
            w -> {
              w.put(b("p/b"), b("2"), 0);
              w.put(b("p/c"), b("3"), 0);
              w.put(b("q"), b("not watched"), 0);
            },
            w -> w.deleteRange(prefix("p/")));
    assertThat(events).hasSize(7);

    List<RecordingSink.Response> prefixed = sink.responses(1);
    assertThat(prefixed).extracting(RecordingSink.Response::revision).containsExactly(2L, 3L, 4L);
    assertThat(prefixed.get(0).events())
        .extracting(WatchableStoreTest::describe)
        .containsExactly("PUT p/a@2");
    assertThat(prefixed.get(1).events())
        .extracting(WatchableStoreTest::describe)
        .containsExactly("PUT p/b@3", "PUT p/c@3");
    assertThat(prefixed.get(2).events())
        .extracting(WatchableStoreTest::describe)
        .containsExactly("DELETE p/a@4", "DELETE p/b@4", "DELETE p/c@4");

    assertThat(sink.responses(2))
        .extracting(RecordingSink.Response::revision)
        .containsExactly(2L, 4L);
    assertThat(sink.events(2)).containsExactly("PUT p/a@2", "DELETE p/a@4");

    // The events carry the stored key-values.
    Event put = prefixed.get(1).events().get(0);
    assertThat(put.getKv().getValue()).isEqualTo(b("2"));
    assertThat(put.getKv().getVersion()).isEqualTo(1);
    assertThat(put.getKv().getCreateRevision()).isEqualTo(3);
  }

  @Test
  void aWatcherFromNowSeesNothingOlderAndIsSyncedAtOnce() {
    put("a", "1");
    put("a", "2");
    RecordingSink sink = new RecordingSink();
    Watcher w = watch(1, single("a"), 0, sink);
    assertThat(isSynced(w)).isTrue();
    long rev = put("a", "3");
    assertThat(sink.events(1)).containsExactly("PUT a@" + rev);
  }

  @Test
  void aWatcherStartingInTheFutureWaitsForItsRevision() {
    put("a", "1"); // rev 2
    RecordingSink sink = new RecordingSink();
    Watcher w = watch(1, single("a"), 5, sink);
    assertThat(watchable.progressRevisionIfSynced(List.of(w))).isEqualTo(-1);
    put("a", "2"); // 3
    put("a", "3"); // 4
    assertThat(sink.events(1)).isEmpty();
    assertThat(watchable.progressRevisionIfSynced(List.of(w))).isEqualTo(-1);
    put("a", "4"); // 5
    put("a", "5"); // 6
    assertThat(sink.events(1)).containsExactly("PUT a@5", "PUT a@6");
    assertThat(watchable.progressRevisionIfSynced(List.of(w))).isEqualTo(6);
  }

  @Test
  void aCancelledWatcherGetsNothingMore() {
    RecordingSink sink = new RecordingSink();
    Watcher w = watch(1, single("a"), 0, sink);
    Watcher other = watch(2, single("a"), 0, sink);
    put("a", "1");
    assertThat(watchable.size()).isEqualTo(2);
    watchable.cancel(w);
    assertThat(watchable.size()).isEqualTo(1);
    put("a", "2");
    assertThat(sink.events(1)).containsExactly("PUT a@2");
    assertThat(sink.events(2)).containsExactly("PUT a@2", "PUT a@3");
    watchable.cancel(other);
    assertThat(watchable.size()).isZero();
  }

  // ---- filters and ranges ----

  @Test
  void filtersDropPutsOrDeletes() {
    RecordingSink sink = new RecordingSink();
    watchable.watch(1, prefix("k"), 0, true, false, false, sink); // NOPUT
    watchable.watch(2, prefix("k"), 0, false, true, false, sink); // NODELETE
    watchable.watch(3, single("k1"), 0, true, false, false, sink); // NOPUT, single key
    watchable.watch(4, single("k1"), 0, true, true, false, sink); // both: nothing at all
    put("k1", "a"); // 2
    put("k2", "b"); // 3
    delete("k1"); // 4
    write(
        w -> { // 5: a put and a delete in one revision
          w.put(b("k3"), b("c"), 0);
          w.deleteRange(single("k2"));
        });

    assertThat(sink.events(1)).containsExactly("DELETE k1@4", "DELETE k2@5");
    assertThat(sink.events(2)).containsExactly("PUT k1@2", "PUT k2@3", "PUT k3@5");
    assertThat(sink.events(3)).containsExactly("DELETE k1@4");
    assertThat(sink.events(4)).isEmpty();
    // A revision whose events are all filtered out sends nothing.
    assertThat(sink.responses(1))
        .extracting(RecordingSink.Response::revision)
        .containsExactly(4L, 5L);
  }

  @Test
  void keyRangesSelectExactlyTheirKeys() {
    RecordingSink sink = new RecordingSink();
    KeyRange half = range("b", "d"); // [b, d)
    KeyRange from = fromKey("c"); // c and everything after
    KeyRange all = fromKey("\0"); // every key
    KeyRange pre = prefix("b");
    watch(1, half, 0, sink);
    watch(2, from, 0, sink);
    watch(3, all, 0, sink);
    watch(4, pre, 0, sink);
    watch(5, single("b"), 0, sink);
    for (String k : List.of("a", "b", "ba", "bz", "c", "d", "da", "\u00ff", "\0")) {
      put(k, "v");
    }

    assertThat(sink.events(1)).isEqualTo(expected(1, in(half)));
    assertThat(sink.events(1))
        .extracting(s -> s.substring(4, s.indexOf('@')))
        .containsExactly("b", "ba", "bz", "c");
    assertThat(sink.events(2))
        .extracting(s -> s.substring(4, s.indexOf('@')))
        .containsExactly("c", "d", "da", "\u00ff");
    assertThat(sink.events(3)).isEqualTo(expected(1, e -> true));
    assertThat(sink.events(4))
        .extracting(s -> s.substring(4, s.indexOf('@')))
        .containsExactly("b", "ba", "bz");
    assertThat(sink.events(5)).containsExactly("PUT b@3");
  }

  @Test
  void filtersAndRangesApplyToEventsFromHistoryToo() {
    put("k1", "a"); // 2
    put("x", "b"); // 3
    delete("k1"); // 4
    put("k2", "c"); // 5
    RecordingSink sink = new RecordingSink();
    Watcher noPut = watchable.watch(1, prefix("k"), 2, true, false, false, sink);
    Watcher noDel = watchable.watch(2, prefix("k"), 2, false, true, false, sink);
    await().atMost(WAIT).until(() -> isSynced(noPut) && isSynced(noDel));
    assertThat(sink.events(1)).containsExactly("DELETE k1@4");
    assertThat(sink.events(2)).containsExactly("PUT k1@2", "PUT k2@5");
  }

  // ---- catching up from history ----

  @Test
  void aWatcherStartingInThePastCatchesUpThenContinuesLiveWithoutDuplicates() {
    for (int i = 0; i < 10; i++) {
      put("a", "v" + i); // revisions 2..11
      put("b", "v" + i);
    }
    RecordingSink sink = new RecordingSink();
    Watcher w = watch(1, single("a"), 5, sink);
    Watcher all = watch(2, fromKey("a"), 1, sink);
    await().atMost(WAIT).until(() -> isSynced(w) && isSynced(all));
    assertThat(sink.events(1)).isEqualTo(expected(5, in(single("a"))));
    assertThat(sink.events(1)).first().isEqualTo("PUT a@6");
    assertThat(sink.events(2)).hasSize(20);

    long live = put("a", "live");
    delete("a");
    assertThat(sink.events(1)).isEqualTo(expected(5, in(single("a"))));
    assertThat(sink.events(1)).endsWith("PUT a@" + live, "DELETE a@" + (live + 1));
    assertThat(sink.events(2)).isEqualTo(expected(1, e -> true));
  }

  @Test
  void aCatchUpLongerThanOneSyncPassIsDeliveredInOrderInSeveralResponses() {
    int revisions = WatchableStore.MAX_REVISIONS_PER_SYNC * 2 + 500;
    for (int i = 0; i < revisions; i++) {
      put("k" + (i % 7), "v" + i);
    }
    RecordingSink sink = new RecordingSink();
    Watcher w = watch(1, prefix("k"), 1, sink);
    Watcher one = watch(2, single("k3"), 100, sink);
    await().atMost(WAIT).until(() -> isSynced(w) && isSynced(one));
    assertThat(sink.events(1)).hasSize(revisions).isEqualTo(expected(1, in(prefix("k"))));
    assertThat(sink.responses(1).size()).isGreaterThanOrEqualTo(3);
    assertThat(sink.events(2)).isEqualTo(expected(100, in(single("k3"))));
  }

  @Test
  void watchersCreatedWhileWritesGoOnGetEveryEventFromTheirStartExactlyOnce() throws Exception {
    Random rnd = new Random(42);
    for (int i = 0; i < 200; i++) {
      put("k" + rnd.nextInt(20), "v" + i);
    }
    Thread writer =
        Thread.ofPlatform()
            .start(
                () -> {
                  Random r = new Random(7);
                  for (int i = 0; i < 3000; i++) {
                    String k = "k" + r.nextInt(20);
                    if (r.nextInt(5) == 0) {
                      delete(k);
                    } else if (r.nextInt(5) == 0) {
                      batch(
                          w -> w.put(b(k), b("t"), 0),
                          w -> {
                            w.put(b("k" + r.nextInt(20)), b("u"), 0);
                            w.put(b("k" + r.nextInt(20)), b("u"), 0);
                          });
                    } else {
                      put(k, "v" + i);
                    }
                  }
                });
    // A watcher from "now" starts after the newest revision at some moment during watch():
    // its first revision lies in [lo, hi].
    record Started(long id, KeyRange range, long lo, long hi) {}
    List<Started> started = new ArrayList<>();
    RecordingSink sink = new RecordingSink();
    long id = 0;
    while (writer.isAlive() && id < 300) {
      long before = store.currentRevision();
      long start = rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextLong(before + 2);
      KeyRange r =
          switch (rnd.nextInt(3)) {
            case 0 -> single("k" + rnd.nextInt(20));
            case 1 -> prefix("k1");
            default -> range("k" + rnd.nextInt(10), "k" + (10 + rnd.nextInt(10)));
          };
      Watcher w = watch(id, r, start, sink);
      long after = store.currentRevision();
      assertThat(w.id()).isEqualTo(id);
      started.add(
          start == 0
              ? new Started(id, r, before + 1, after + 1)
              : new Started(id, r, start, start));
      id++;
      LockSupport.parkNanos(rnd.nextInt(3_000_000));
    }
    writer.join();
    assertThat(started).hasSizeGreaterThan(10);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Event> history = store.history(1, store.currentRevision(), Integer.MAX_VALUE);
              for (Started s : started) {
                List<String> got = sink.events(s.id());
                List<String> longest = select(history, s.lo(), in(s.range()));
                List<String> shortest = select(history, s.hi(), in(s.range()));
                assertThat(got).hasSizeBetween(shortest.size(), longest.size());
                assertThat(got)
                    .as("watcher %d on %s from %d", s.id(), s.range(), s.lo())
                    .isEqualTo(longest.subList(longest.size() - got.size(), longest.size()));
              }
            });
  }

  // ---- full streams ----

  @Test
  void aWatcherWhoseStreamIsFullFallsBehindAndCatchesUpWhenItHasRoom() {
    RecordingSink slow = new RecordingSink();
    RecordingSink fast = new RecordingSink();
    Watcher w = watch(1, prefix("k"), 0, slow);
    watch(2, prefix("k"), 0, fast);
    put("k1", "a");
    assertThat(slow.events(1)).containsExactly("PUT k1@2");

    slow.full(true);
    put("k2", "b");
    assertThat(isSynced(w)).isFalse();
    for (int i = 0; i < 50; i++) {
      put("k" + (i % 5), "v" + i);
    }
    delete("k1");
    // Only the first refused response was offered: a watcher behind takes no live events.
    assertThat(slow.refusals()).isEqualTo(1);
    assertThat(slow.events(1)).containsExactly("PUT k1@2");
    assertThat(fast.events(2)).hasSize(53);

    slow.full(false);
    watchable.requestSync();
    await().atMost(WAIT).until(() -> isSynced(w));
    assertThat(slow.events(1)).isEqualTo(expected(1, in(prefix("k"))));
    assertThat(slow.responses(1)).hasSize(2); // the one live, then one catch-up

    put("k9", "live");
    assertThat(slow.events(1)).isEqualTo(expected(1, in(prefix("k")))).hasSize(54);
    assertThat(slow.events(1)).isEqualTo(fast.events(2));
  }

  @Test
  void aStreamThatStaysFullKeepsItsWatchersBehindWithoutLosingAnything() {
    RecordingSink slow = new RecordingSink();
    Watcher w = watch(1, single("a"), 0, slow);
    slow.full(true);
    put("a", "1");
    // The sync thread sees no room and leaves the watcher alone, round after round.
    watchable.requestSync();
    for (int i = 0; i < 5; i++) {
      put("a", "x" + i);
      watchable.requestSync();
    }
    assertThat(slow.events(1)).isEmpty();
    assertThat(isSynced(w)).isFalse();
    slow.full(false);
    watchable.requestSync();
    await().atMost(WAIT).until(() -> isSynced(w));
    assertThat(slow.events(1)).isEqualTo(expected(1, in(single("a")))).hasSize(6);
  }

  @Test
  void aStreamThatFillsAndDrainsWhileWritesGoOnLosesAndRepeatsNothing() throws Exception {
    RecordingSink flaky = new RecordingSink();
    List<Watcher> ws = new ArrayList<>();
    ws.add(watch(1, prefix("k"), 0, flaky));
    ws.add(watch(2, single("k3"), 0, flaky));
    ws.add(watch(3, range("k2", "k5"), 0, flaky));
    ws.add(watchable.watch(4, prefix("k"), 0, false, true, false, flaky));
    Thread writer =
        Thread.ofPlatform()
            .start(
                () -> {
                  Random r = new Random(11);
                  for (int i = 0; i < 3000; i++) {
                    String k = "k" + r.nextInt(8);
                    if (r.nextInt(4) == 0) {
                      delete(k);
                    } else {
                      put(k, "v" + i);
                    }
                  }
                });
    Random r = new Random(5);
    while (writer.isAlive()) {
      flaky.full(r.nextBoolean());
      if (!flaky.full) {
        watchable.requestSync();
      }
      LockSupport.parkNanos(r.nextInt(2_000_000)); // pacing the toggles, not waiting for anything
    }
    writer.join();
    flaky.full(false);
    watchable.requestSync();
    put("k0", "last");
    await().atMost(WAIT).until(() -> ws.stream().allMatch(this::isSynced));
    assertThat(flaky.refusals()).isPositive();
    assertThat(flaky.events(1)).isEqualTo(expected(1, in(prefix("k"))));
    assertThat(flaky.events(2)).isEqualTo(expected(1, in(single("k3"))));
    assertThat(flaky.events(3)).isEqualTo(expected(1, in(range("k2", "k5"))));
    assertThat(flaky.events(4))
        .isEqualTo(expected(1, in(prefix("k")).and(e -> e.getType() == Event.EventType.PUT)));
  }

  // ---- compaction ----

  @Test
  void aWatcherThatFellBehindPastACompactionIsToldSoAndEnds() {
    RecordingSink slow = new RecordingSink();
    Watcher w = watch(7, single("a"), 0, slow);
    put("a", "1"); // 2
    slow.full(true);
    put("a", "2"); // 3: refused, the watcher's next revision is 3
    put("a", "3"); // 4
    put("a", "4"); // 5
    compact(5);
    slow.full(false);
    watchable.requestSync();
    await().atMost(WAIT).until(() -> !slow.compactions().isEmpty());
    assertThat(slow.compactions()).hasSize(1);
    assertThat(slow.compactions().get(0)).containsExactly(7, 5);
    assertThat(slow.events(7)).containsExactly("PUT a@2");
    assertThat(watchable.size()).isZero();
    assertThat(isSynced(w)).isFalse();
    put("a", "5");
    assertThat(slow.events(7)).containsExactly("PUT a@2");
  }

  @Test
  void aWatcherStartingBeforeTheCompactedRevisionIsToldSo() {
    put("a", "1"); // 2
    put("a", "2"); // 3
    delete("a"); // 4
    put("b", "1"); // 5
    compact(4);
    RecordingSink sink = new RecordingSink();
    watch(1, single("a"), 3, sink);
    await().atMost(WAIT).until(() -> !sink.compactions().isEmpty());
    assertThat(sink.compactions().get(0)).containsExactly(1, 4);
    assertThat(sink.events(1)).isEmpty();
  }

  @Test
  void aWatcherStartingAtTheCompactedRevisionGetsItsPutsButNotItsDeletionsAsInEtcd() {
    put("a", "1"); // 2
    put("a", "2"); // 3
    write(
        w -> { // 4
          w.put(b("c"), b("1"), 0);
          w.deleteRange(single("a"));
        });
    put("b", "1"); // 5
    compact(4);
    RecordingSink sink = new RecordingSink();
    Watcher w = watch(1, fromKey("a"), 4, sink);
    await().atMost(WAIT).until(() -> isSynced(w));
    assertThat(sink.compactions()).isEmpty();
    // etcd's compaction at R keeps each key's last revision at or before R unless that is a
    // deletion: the deletion of a at 4 is gone from history, the put of c at 4 is not.
    assertThat(sink.events(1)).containsExactly("PUT c@4", "PUT b@5");
  }

  // ---- progress ----

  @Test
  void progressRevisionIsTheCurrentRevisionOnlyWhenEveryWatcherIsSynced() {
    put("a", "1");
    put("a", "2"); // 3
    RecordingSink sink = new RecordingSink();
    Watcher synced = watch(1, single("a"), 0, sink);
    assertThat(watchable.progressRevisionIfSynced(List.of(synced))).isEqualTo(3);
    assertThat(watchable.progressRevisionIfSynced(List.of())).isEqualTo(3);

    RecordingSink full = new RecordingSink();
    full.full(true);
    Watcher past = watch(2, single("a"), 2, full); // cannot catch up while its stream is full
    assertThat(watchable.progressRevisionIfSynced(List.of(past))).isEqualTo(-1);
    assertThat(watchable.progressRevisionIfSynced(List.of(synced, past))).isEqualTo(-1);

    Watcher future = watch(3, single("a"), 10, sink);
    assertThat(watchable.progressRevisionIfSynced(List.of(synced, future))).isEqualTo(-1);

    full.full(false);
    watchable.requestSync();
    await().atMost(WAIT).until(() -> isSynced(past));
    assertThat(watchable.progressRevisionIfSynced(List.of(synced, past))).isEqualTo(3);
    assertThat(full.events(2)).containsExactly("PUT a@2", "PUT a@3");
  }

  @Test
  void progressRoundNotifiesOnlyIdleSyncedWatchersThatAskedForIt() {
    RecordingSink sink = new RecordingSink();
    watchable.watch(1, single("a"), 0, false, false, true, sink);
    watchable.watch(2, single("b"), 0, false, false, true, sink);
    watchable.watch(3, single("c"), 0, false, false, false, sink); // did not ask
    long rev = put("a", "1");
    watchable.progressRound();
    // Watcher 1 had an event since the last round; watcher 2 did not.
    assertThat(sink.progress()).hasSize(1);
    assertThat(sink.progress().get(0)).containsExactly(2, rev);
    watchable.progressRound();
    assertThat(sink.progress()).hasSize(3);
    assertThat(sink.progress().subList(1, 3))
        .extracting(p -> p[0])
        .containsExactlyInAnyOrder(1L, 2L);
  }
}
