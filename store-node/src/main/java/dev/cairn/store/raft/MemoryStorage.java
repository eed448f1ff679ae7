package dev.cairn.store.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * A log held in memory: the storage of simulated nodes in tests, and a cache of a log's tail.
 *
 * <p>Threading: synchronized; one writer and one reader may use it at once.
 */
public final class MemoryStorage implements LogStorage {
  /** entries.get(0) stands for the snapshot: its index and term, no data. */
  private final ArrayList<Entry> entries = new ArrayList<>();

  private Snapshot snapshot;

  public MemoryStorage() {
    entries.add(new Entry(0, 0, Entry.Type.NORMAL, new byte[0]));
  }

  private long offset() {
    return entries.get(0).index();
  }

  @Override
  public synchronized long firstIndex() {
    return offset() + 1;
  }

  @Override
  public synchronized long lastIndex() {
    return offset() + entries.size() - 1;
  }

  @Override
  public synchronized long term(long index) {
    if (index < offset()) {
      return -1;
    }
    if (index > lastIndex()) {
      return 0;
    }
    return entries.get((int) (index - offset())).term();
  }

  @Override
  public synchronized List<Entry> entries(long lo, long hi, long maxBytes) {
    if (lo <= offset()) {
      return List.of();
    }
    hi = Math.min(hi, lastIndex() + 1);
    List<Entry> out = new ArrayList<>();
    long size = 0;
    for (long i = lo; i < hi; i++) {
      Entry e = entries.get((int) (i - offset()));
      size += e.data().length;
      if (!out.isEmpty() && size > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  @Override
  public synchronized Snapshot snapshot() {
    return snapshot;
  }

  /** Stores entries, replacing any at or after the first one's index. */
  public synchronized void append(List<Entry> es) {
    if (es.isEmpty()) {
      return;
    }
    long first = es.get(0).index();
    if (first <= offset()) {
      throw new IllegalArgumentException("append at " + first + " before the snapshot");
    }
    if (first > lastIndex() + 1) {
      throw new IllegalArgumentException(
          "append at " + first + " leaves a gap after " + lastIndex());
    }
    entries.subList((int) (first - offset()), entries.size()).clear();
    entries.addAll(es);
  }

  /** Replaces the whole log by a snapshot. */
  public synchronized void applySnapshot(Snapshot s) {
    snapshot = s;
    entries.clear();
    entries.add(new Entry(s.index(), s.term(), Entry.Type.NORMAL, new byte[0]));
  }

  /**
   * Records a snapshot of the state at {@code index} and drops the entries up to it.
   *
   * @param index at most the last index
   */
  public synchronized void compact(long index, ConfState conf, byte[] data) {
    if (index <= offset()) {
      return;
    }
    if (index > lastIndex()) {
      throw new IllegalArgumentException("compact " + index + " beyond last " + lastIndex());
    }
    long term = term(index);
    snapshot = new Snapshot(index, term, conf, data);
    entries.subList(0, (int) (index - offset())).clear();
    entries.set(0, new Entry(index, term, Entry.Type.NORMAL, new byte[0]));
  }
}
