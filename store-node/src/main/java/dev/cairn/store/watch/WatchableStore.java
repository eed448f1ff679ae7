package dev.cairn.store.watch;

import dev.cairn.proto.mvccpb.Event;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.mvcc.MvccStore;
import dev.cairn.store.mvcc.RangeOptions;
import dev.cairn.store.support.Bytes;
import dev.cairn.store.support.KeyRange;
import dev.cairn.store.support.StoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * etcd's watchable store. A watcher is <em>synced</em> when it has every event up to the current
 * revision: the apply thread hands it new events as they commit. Otherwise it is <em>unsynced</em>
 * (it started in the past, or its stream was full) and a sync thread feeds it from the history on
 * disk, at most {@link #MAX_REVISIONS_PER_SYNC} revisions at a time, until it is current again.
 * Nothing is held in memory for a slow watcher, so memory per watcher is bounded; a watcher whose
 * next revision has been compacted away is told so and ends.
 */
public final class WatchableStore implements AutoCloseable {
  static final int MAX_REVISIONS_PER_SYNC = 1000;
  static final int MAX_WATCHERS_PER_SYNC = 512;
  static final long SYNC_PERIOD_MILLIS = 100;

  private final MvccStore store;
  // Fair, so that the apply thread's notify is not starved by a long catch-up.
  private final ReentrantLock lock = new ReentrantLock(true);
  private final Condition wake = lock.newCondition();

  // Guarded by lock.
  private final Map<Bytes, Set<Watcher>> syncedByKey = new HashMap<>();
  private final Set<Watcher> syncedRanges = new LinkedHashSet<>();
  private final Set<Watcher> unsynced = new LinkedHashSet<>();
  private boolean closed;
  private boolean wakeRequested;
  // The newest revision whose events have been handed to the synced watchers. The store's current
  // revision moves first (at commit), so a progress notification must not report more than this:
  // it promises that every event up to its revision has been sent.
  private long notifiedRev;

  private final Thread syncThread;

  public WatchableStore(MvccStore store) {
    this.store = store;
    this.notifiedRev = store.currentRevision();
    this.syncThread = new Thread(this::syncLoop, "watch-sync");
    syncThread.setDaemon(true);
    syncThread.start();
  }

  /**
   * Starts a watch.
   *
   * @param startRev the first revision to send; 0 = from the next one
   */
  public Watcher watch(
      long id,
      KeyRange range,
      long startRev,
      boolean noPut,
      boolean noDelete,
      boolean progressNotify,
      WatchSink sink) {
    Watcher w = new Watcher(id, range, startRev, noPut, noDelete, progressNotify, sink);
    lock.lock();
    try {
      long current = store.currentRevision();
      if (startRev == 0 || startRev > current) {
        w.minRev = Math.max(current + 1, startRev);
        addSynced(w);
      } else {
        w.minRev = startRev;
        unsynced.add(w);
        requestSync();
      }
    } finally {
      lock.unlock();
    }
    return w;
  }

  public void cancel(Watcher w) {
    lock.lock();
    try {
      w.cancelled = true;
      removeSynced(w);
      unsynced.remove(w);
    } finally {
      lock.unlock();
    }
  }

  /** The number of watchers, for metrics and tests. */
  public int size() {
    lock.lock();
    try {
      int n = syncedRanges.size() + unsynced.size();
      for (Set<Watcher> s : syncedByKey.values()) {
        n += s.size();
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  private void addSynced(Watcher w) {
    w.synced = true;
    if (w.range.isSingleKey()) {
      syncedByKey.computeIfAbsent(Bytes.wrap(w.range.key()), k -> new LinkedHashSet<>()).add(w);
    } else {
      syncedRanges.add(w);
    }
  }

  private void removeSynced(Watcher w) {
    w.synced = false;
    if (w.range.isSingleKey()) {
      Bytes k = Bytes.wrap(w.range.key());
      Set<Watcher> s = syncedByKey.get(k);
      if (s != null && s.remove(w) && s.isEmpty()) {
        syncedByKey.remove(k);
      }
    } else {
      syncedRanges.remove(w);
    }
  }

  /**
   * Hands newly committed changes to the synced watchers, one response per revision as etcd sends
   * them. Called by the apply thread after the changes are visible to readers.
   */
  public void notify(List<Event> events) {
    if (events.isEmpty()) {
      return;
    }
    lock.lock();
    try {
      notifiedRev = Math.max(notifiedRev, events.get(events.size() - 1).getKv().getModRevision());
      if (syncedByKey.isEmpty() && syncedRanges.isEmpty()) {
        return;
      }
      int i = 0;
      while (i < events.size()) {
        long rev = events.get(i).getKv().getModRevision();
        int j = i;
        while (j < events.size() && events.get(j).getKv().getModRevision() == rev) {
          j++;
        }
        deliverRevision(events.subList(i, j), rev);
        i = j;
      }
    } finally {
      lock.unlock();
    }
  }

  private void deliverRevision(List<Event> events, long rev) {
    Map<Watcher, List<Event>> batches = new LinkedHashMap<>();
    for (Event e : events) {
      Set<Watcher> byKey = syncedByKey.get(Bytes.wrap(e.getKv().getKey().toByteArray()));
      if (byKey != null) {
        for (Watcher w : byKey) {
          if (w.wants(e)) {
            batches.computeIfAbsent(w, k -> new ArrayList<>()).add(e);
          }
        }
      }
      for (Watcher w : syncedRanges) {
        if (w.wants(e)) {
          batches.computeIfAbsent(w, k -> new ArrayList<>()).add(e);
        }
      }
    }
    for (Map.Entry<Watcher, List<Event>> b : batches.entrySet()) {
      Watcher w = b.getKey();
      if (rev < w.minRev) {
        continue; // already sent by a catch-up that saw this revision
      }
      if (w.sink.events(w.id, b.getValue(), rev)) {
        w.minRev = rev + 1;
        w.eventsSinceProgress = true;
      } else {
        // The stream is full: fall behind, and catch up from history when it drains.
        removeSynced(w);
        unsynced.add(w);
      }
    }
  }

  /**
   * The key space was replaced by a snapshot: every watcher catches up from the new history (or is
   * told it was compacted), as etcd's watchable store does on restore.
   */
  public void restore() {
    lock.lock();
    try {
      List<Watcher> all = new ArrayList<>(syncedRanges);
      syncedByKey.values().forEach(all::addAll);
      for (Watcher w : all) {
        removeSynced(w);
        unsynced.add(w);
      }
      notifiedRev = store.currentRevision();
      wakeRequested = true;
      wake.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Asks the sync thread to run now, e.g. because a full stream has drained. */
  public void requestSync() {
    lock.lock();
    try {
      wakeRequested = true;
      wake.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends a progress notification to each synced watcher that asked for them, had no events since
   * the last round and whose start revision has been reached, as etcd's periodic progress does.
   */
  public void progressRound() {
    lock.lock();
    try {
      long rev = notifiedRev;
      List<Watcher> all = new ArrayList<>(syncedRanges);
      for (Set<Watcher> s : syncedByKey.values()) {
        all.addAll(s);
      }
      for (Watcher w : all) {
        if (w.progressNotify && !w.eventsSinceProgress && rev >= w.startRev) {
          w.sink.progress(w.id, rev);
        }
        w.eventsSinceProgress = false;
      }
      for (Watcher w : unsynced) {
        w.eventsSinceProgress = false;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether a progress notification may be sent for these watchers: every one is synced and the
   * current revision has reached its start; returns the revision to report, or -1.
   */
  public long progressRevisionIfSynced(Iterable<Watcher> watchers) {
    lock.lock();
    try {
      long rev = notifiedRev;
      for (Watcher w : watchers) {
        if (!w.synced || rev < w.startRev) {
          return -1;
        }
      }
      return rev;
    } finally {
      lock.unlock();
    }
  }

  /** The key-value a change replaced, read at the revision before it; null if none or compacted. */
  public KeyValue previous(Event e) {
    long rev = e.getKv().getModRevision() - 1;
    try {
      List<KeyValue> kvs =
          store.read(
              v ->
                  v.range(
                          KeyRange.of(e.getKv().getKey().toByteArray(), null),
                          new RangeOptions(0, rev, false))
                      .kvs());
      return kvs.isEmpty() ? null : kvs.get(0);
    } catch (StoreException ex) {
      return null; // compacted away
    }
  }

  private void syncLoop() {
    lock.lock();
    try {
      while (!closed) {
        if (!wakeRequested) {
          wake.await(SYNC_PERIOD_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        wakeRequested = false;
        if (!unsynced.isEmpty() && !closed) {
          if (syncOnce()) {
            wakeRequested = true; // more to do: go on at once
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  /** One catch-up pass; returns whether watchers remain behind that could make progress now. */
  private boolean syncOnce() {
    long current = store.currentRevision();
    long compacted = store.compactRevision();
    List<Watcher> chosen = new ArrayList<>();
    long minRev = Long.MAX_VALUE;
    Iterator<Watcher> it = unsynced.iterator();
    while (it.hasNext() && chosen.size() < MAX_WATCHERS_PER_SYNC) {
      Watcher w = it.next();
      if (w.minRev < compacted) {
        it.remove();
        w.cancelled = true;
        w.sink.compacted(w.id, compacted);
        continue;
      }
      if (!w.sink.hasRoom()) {
        continue;
      }
      chosen.add(w);
      minRev = Math.min(minRev, w.minRev);
    }
    if (chosen.isEmpty()) {
      return false;
    }
    // Read history without the lock: the apply thread keeps notifying meanwhile. The chosen
    // watchers stay unsynced (only this thread moves them back), so notify skips them.
    lock.unlock();
    List<Event> events;
    try {
      events =
          minRev > current ? List.of() : store.history(minRev, current, MAX_REVISIONS_PER_SYNC);
    } finally {
      lock.lock();
    }
    long readUpTo =
        events.isEmpty() || countRevisions(events) < MAX_REVISIONS_PER_SYNC
            ? current
            : events.get(events.size() - 1).getKv().getModRevision();
    if (readUpTo == current && notifiedRev > current) {
      // Revisions notified while the lock was free went only to synced watchers: read that gap
      // too (under the lock, so nothing more is notified) before these watchers join them.
      List<Event> gap = store.history(current + 1, notifiedRev, Integer.MAX_VALUE);
      events = new ArrayList<>(events);
      events.addAll(gap);
      readUpTo = notifiedRev;
      current = notifiedRev;
    }
    // A compaction that committed during the read may have removed history these watchers need.
    long compactedNow = store.compactRevision();
    if (compactedNow > compacted) {
      Iterator<Watcher> ci = chosen.iterator();
      while (ci.hasNext()) {
        Watcher w = ci.next();
        if (w.minRev < compactedNow && unsynced.remove(w)) {
          ci.remove();
          w.cancelled = true;
          w.sink.compacted(w.id, compactedNow);
        }
      }
    }
    chosen.removeIf(w -> w.cancelled || !unsynced.contains(w));
    events = withoutCompactedTombstones(events, compactedNow);
    boolean more = false;
    Set<Watcher> delivered = new HashSet<>();
    for (Watcher w : chosen) {
      List<Event> mine = new ArrayList<>();
      for (Event e : events) {
        long r = e.getKv().getModRevision();
        if (r >= w.minRev && r <= readUpTo && w.wants(e)) {
          mine.add(e);
        }
      }
      if (!mine.isEmpty()) {
        if (!w.sink.events(w.id, mine, current)) {
          continue; // still full; stays behind
        }
        w.eventsSinceProgress = true;
      }
      w.minRev = Math.max(w.minRev, readUpTo + 1);
      delivered.add(w);
      if (readUpTo >= current) {
        unsynced.remove(w);
        addSynced(w);
      } else {
        more = true;
      }
    }
    return more && !delivered.isEmpty();
  }

  /**
   * Drops deletions at or below the compacted revision. etcd's compaction at revision R removes
   * every tombstone with revision at most R, so a watcher starting exactly at R never sees the
   * deletions made at R; Cairn's history may still hold them.
   */
  private static List<Event> withoutCompactedTombstones(List<Event> events, long compacted) {
    if (events.isEmpty() || compacted < 0 || events.get(0).getKv().getModRevision() > compacted) {
      return events;
    }
    List<Event> out = new ArrayList<>(events.size());
    for (Event e : events) {
      if (e.getType() != Event.EventType.DELETE || e.getKv().getModRevision() > compacted) {
        out.add(e);
      }
    }
    return out;
  }

  private static int countRevisions(List<Event> events) {
    int n = 0;
    long last = -1;
    for (Event e : events) {
      if (e.getKv().getModRevision() != last) {
        n++;
        last = e.getKv().getModRevision();
      }
    }
    return n;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      wake.signal();
    } finally {
      lock.unlock();
    }
  }
}
