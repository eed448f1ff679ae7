package dev.cairn.store.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * The node's whole log: what storage holds, followed by entries (and possibly a snapshot) not yet
 * stored. Tracks the commit index and what has been handed out for storing and applying.
 */
final class LogView {
  private final LogStorage storage;

  /** A snapshot received from the leader and not yet stored. */
  private Snapshot unstableSnapshot;

  /** Index of unstable.get(0); entries below it are in storage. */
  private long offset;

  private final ArrayList<Entry> unstable = new ArrayList<>();

  /** Last unstable index already handed to storage. */
  private long handedToStorage;

  private boolean snapshotHandedOut;

  long committed;

  /** Last index handed out for applying. */
  long applied;

  LogView(LogStorage storage, long committed, long applied) {
    this.storage = storage;
    this.offset = storage.lastIndex() + 1;
    this.handedToStorage = offset - 1;
    this.applied = Math.max(applied, storage.firstIndex() - 1);
    this.committed = Math.max(this.applied, Math.min(committed, lastIndex()));
  }

  long firstIndex() {
    if (unstableSnapshot != null) {
      return unstableSnapshot.index() + 1;
    }
    return storage.firstIndex();
  }

  long lastIndex() {
    if (!unstable.isEmpty()) {
      return offset + unstable.size() - 1;
    }
    if (unstableSnapshot != null) {
      return unstableSnapshot.index();
    }
    return storage.lastIndex();
  }

  long lastTerm() {
    return term(lastIndex());
  }

  /** Index of the last entry known stored. */
  long stableIndex() {
    return offset - 1;
  }

  /** The term at {@code index}: 0 beyond the log, -1 when compacted. */
  long term(long index) {
    if (index > lastIndex()) {
      return 0;
    }
    if (index >= offset && !unstable.isEmpty()) {
      return unstable.get((int) (index - offset)).term();
    }
    if (unstableSnapshot != null) {
      if (index == unstableSnapshot.index()) {
        return unstableSnapshot.term();
      }
      if (index < unstableSnapshot.index()) {
        return -1;
      }
    }
    if (index < storage.firstIndex() - 1) {
      return -1;
    }
    if (index == 0) {
      return 0;
    }
    return storage.term(index);
  }

  boolean matchTerm(long index, long term) {
    long t = term(index);
    return t >= 0 && t == term;
  }

  boolean isUpToDate(long lastTerm, long lastIndex) {
    long myTerm = lastTerm();
    return lastTerm > myTerm || (lastTerm == myTerm && lastIndex >= lastIndex());
  }

  /** Entries in [lo, hi) up to maxBytes, or null when some of them were compacted away. */
  List<Entry> entries(long lo, long hi, long maxBytes) {
    hi = Math.min(hi, lastIndex() + 1);
    if (lo >= hi) {
      return List.of();
    }
    if (lo < firstIndex()) {
      return null;
    }
    List<Entry> out = new ArrayList<>();
    long budget = maxBytes;
    if (lo < offset) {
      List<Entry> stored = storage.entries(lo, Math.min(hi, offset), maxBytes);
      if (stored.isEmpty() || stored.get(0).index() != lo) {
        return null;
      }
      for (Entry e : stored) {
        out.add(e);
        budget -= e.data().length;
      }
      if (out.get(out.size() - 1).index() < Math.min(hi, offset) - 1) {
        return out; // the size limit cut the stored part
      }
    }
    for (long i = Math.max(lo, offset); i < hi; i++) {
      Entry e = unstable.get((int) (i - offset));
      if (!out.isEmpty() && budget - e.data().length < 0) {
        break;
      }
      out.add(e);
      budget -= e.data().length;
    }
    return out;
  }

  /**
   * Appends the leader's entries after (prevIndex, prevTerm) when the log matches there.
   *
   * @return the index of the last new entry, or -1 when the log does not match
   */
  long maybeAppend(long prevIndex, long prevTerm, long leaderCommit, List<Entry> entries) {
    if (!matchTerm(prevIndex, prevTerm)) {
      return -1;
    }
    long lastNew = prevIndex + entries.size();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      if (!matchTerm(e.index(), e.term())) {
        if (e.index() <= committed) {
          throw new IllegalStateException(
              "entry "
                  + e.index()
                  + " conflicts with a committed entry (commit "
                  + committed
                  + ")");
        }
        append(entries.subList(i, entries.size()));
        break;
      }
    }
    commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** Appends entries, replacing any from the first one's index on. */
  void append(List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    long first = entries.get(0).index();
    if (first <= committed) {
      throw new IllegalStateException(
          "append at " + first + " would overwrite commit " + committed);
    }
    if (first == offset + unstable.size()) {
      unstable.addAll(entries);
    } else if (first <= offset) {
      // Replaces stored entries too: storage replaces its tail when it writes these.
      unstable.clear();
      offset = first;
      unstable.addAll(entries);
    } else {
      unstable.subList((int) (first - offset), unstable.size()).clear();
      unstable.addAll(entries);
    }
    handedToStorage = Math.min(handedToStorage, first - 1);
  }

  void commitTo(long index) {
    if (index > committed) {
      if (index > lastIndex()) {
        throw new IllegalStateException(
            "commit " + index + " is beyond the last index " + lastIndex());
      }
      committed = index;
    }
  }

  /** Storage reports it holds entries up to index, the one at index being of term. */
  void stableTo(long index, long term) {
    if (unstableSnapshot != null && snapshotHandedOut && index >= unstableSnapshot.index()) {
      if (index == unstableSnapshot.index() && term == unstableSnapshot.term()) {
        unstableSnapshot = null;
        snapshotHandedOut = false;
        return;
      }
    }
    if (index < offset || index >= offset + unstable.size()) {
      return;
    }
    if (unstable.get((int) (index - offset)).term() != term) {
      return; // the entry was replaced after this write was handed out
    }
    if (snapshotHandedOut) {
      // Entries after a snapshot are written with it or after it, so the snapshot is stored too.
      unstableSnapshot = null;
      snapshotHandedOut = false;
    }
    unstable.subList(0, (int) (index - offset + 1)).clear();
    offset = index + 1;
  }

  void restore(Snapshot s) {
    unstable.clear();
    offset = s.index() + 1;
    handedToStorage = s.index();
    unstableSnapshot = s;
    snapshotHandedOut = false;
    committed = s.index();
  }

  /** Entries to hand to storage now; marks them handed out. */
  List<Entry> takeUnstable() {
    long last = offset + unstable.size() - 1;
    if (handedToStorage >= last) {
      return List.of();
    }
    List<Entry> out =
        List.copyOf(unstable.subList((int) (handedToStorage + 1 - offset), unstable.size()));
    handedToStorage = last;
    return out;
  }

  boolean hasUnstable() {
    return handedToStorage < offset + unstable.size() - 1;
  }

  Snapshot takeSnapshot() {
    if (unstableSnapshot == null || snapshotHandedOut) {
      return null;
    }
    snapshotHandedOut = true;
    applied = Math.max(applied, unstableSnapshot.index());
    return unstableSnapshot;
  }

  Snapshot storageSnapshot() {
    return storage.snapshot();
  }

  boolean hasSnapshot() {
    return unstableSnapshot != null && !snapshotHandedOut;
  }

  /** The highest index that may be applied: committed and stored. */
  private long applyLimit() {
    return Math.min(committed, stableIndex());
  }

  boolean hasCommitted() {
    return applyLimit() > applied && unstableSnapshot == null;
  }

  List<Entry> takeCommitted(long maxBytes) {
    if (!hasCommitted()) {
      return List.of();
    }
    List<Entry> out = entries(applied + 1, applyLimit() + 1, maxBytes);
    if (out == null || out.isEmpty()) {
      return List.of();
    }
    applied = out.get(out.size() - 1).index();
    return out;
  }

  /**
   * The last index at or below {@code index} whose term is at most {@code term}: where a follower
   * and a leader can next try to agree, skipping a whole term of mismatched entries at once.
   */
  long findConflictByTerm(long index, long term) {
    for (long i = index; i > 0; i--) {
      long t = term(i);
      if (t < 0 || t <= term) {
        return i;
      }
    }
    return 0;
  }
}
