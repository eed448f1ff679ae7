package dev.cairn.store.raftlog;

import dev.cairn.store.raft.Entry;
import dev.cairn.store.raft.LogStorage;
import dev.cairn.store.raft.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored log as the Raft core reads it: the recent tail from memory, which is what followers in
 * step need, and older entries from disk for a follower catching up.
 *
 * <p>Threading: the log writer calls {@link #append} after each durable write; the raft thread
 * reads. Synchronized: both hold the lock only for in-memory work.
 */
public final class LogCache implements LogStorage {
  private final RaftLog log;
  private final int capacity;

  /** The last entries stored, contiguous; cache.get(0) has index cacheFirst. */
  private final ArrayList<Entry> cache = new ArrayList<>();

  private long cacheFirst;
  private long lastIndex;
  private long lastTerm;

  public LogCache(RaftLog log, int capacity) {
    this.log = log;
    this.capacity = capacity;
    this.lastIndex = log.lastIndex();
    this.lastTerm = log.lastTerm();
    long from = Math.max(log.firstIndex(), lastIndex - capacity + 1);
    this.cacheFirst = from;
    if (lastIndex >= from) {
      cache.addAll(log.entries(from, lastIndex));
    }
  }

  /** Records entries the log now holds durably; they replace any at or after the first index. */
  public synchronized void append(List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    long first = entries.get(0).index();
    if (cache.isEmpty() || first < cacheFirst || first > cacheFirst + cache.size()) {
      cache.clear();
      cacheFirst = first;
    } else {
      cache.subList((int) (first - cacheFirst), cache.size()).clear();
    }
    cache.addAll(entries);
    int excess = cache.size() - capacity;
    if (excess > 0) {
      cache.subList(0, excess).clear();
      cacheFirst += excess;
    }
    Entry last = entries.get(entries.size() - 1);
    lastIndex = last.index();
    lastTerm = last.term();
  }

  @Override
  public long firstIndex() {
    return log.firstIndex();
  }

  @Override
  public synchronized long lastIndex() {
    return lastIndex;
  }

  @Override
  public synchronized long term(long index) {
    if (index == lastIndex) {
      return lastTerm;
    }
    if (index >= cacheFirst && index < cacheFirst + cache.size()) {
      return cache.get((int) (index - cacheFirst)).term();
    }
    long first = firstIndex();
    if (index == first - 1) {
      return index == 0 ? 0 : log.firstTerm();
    }
    if (index < first || index > lastIndex) {
      return index == 0 ? 0 : -1;
    }
    try {
      return log.entries(index, index).get(0).term();
    } catch (dev.cairn.store.storage.StorageException e) {
      if (index < firstIndex()) {
        return -1; // compacted meanwhile
      }
      throw e;
    }
  }

  /** The log now starts after a snapshot received from the leader: nothing before it is held. */
  public synchronized void reset(long index, long term) {
    cache.clear();
    cacheFirst = index + 1;
    lastIndex = index;
    lastTerm = term;
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    List<Entry> fromDisk = List.of();
    synchronized (this) {
      hi = Math.min(hi, lastIndex + 1);
      if (lo >= hi) {
        return List.of();
      }
      if (lo >= cacheFirst && !cache.isEmpty()) {
        return limit(cache.subList((int) (lo - cacheFirst), (int) (hi - cacheFirst)), maxBytes);
      }
    }
    // A lagging follower: read from disk outside the lock, a bounded batch at a time.
    long to = Math.min(hi - 1, lo + 1023);
    try {
      fromDisk = log.entries(lo, to);
    } catch (dev.cairn.store.storage.StorageException e) {
      if (lo < firstIndex()) {
        return List.of(); // compacted meanwhile: the caller sends a snapshot instead
      }
      throw e;
    }
    return limit(fromDisk, maxBytes);
  }

  private static List<Entry> limit(List<Entry> es, long maxBytes) {
    long size = 0;
    int n = 0;
    for (Entry e : es) {
      size += e.data().length;
      if (n > 0 && size > maxBytes) {
        break;
      }
      n++;
    }
    return List.copyOf(es.subList(0, n));
  }

  @Override
  public Snapshot snapshot() {
    return log.snapshot();
  }
}
