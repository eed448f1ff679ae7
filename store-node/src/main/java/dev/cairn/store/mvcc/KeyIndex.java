package dev.cairn.store.mvcc;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The history of one key, as etcd keeps it: a list of generations, each running from a creation to
 * a deletion (the tombstone is the generation's last revision). The last generation is the live one
 * and is empty while the key does not exist.
 *
 * <p>Threading: written by the apply thread, read by any thread; every method is synchronized.
 */
final class KeyIndex {
  /** What a read at some revision sees of a key. */
  record Hit(Revision modified, long created, long version) {}

  private static final class Generation {
    long version; // changes in this generation, tombstone included; survives compaction
    long createdMain;
    long[] revs = new long[4]; // pairs (main, sub), ascending
    int size; // number of pairs

    boolean isEmpty() {
      return size == 0;
    }

    long main(int i) {
      return revs[2 * i];
    }

    long sub(int i) {
      return revs[2 * i + 1];
    }

    void add(long main, long sub) {
      if (2 * size + 2 > revs.length) {
        revs = java.util.Arrays.copyOf(revs, revs.length * 2);
      }
      revs[2 * size] = main;
      revs[2 * size + 1] = sub;
      size++;
    }

    /** Index of the last revision with main <= atRev, or -1. */
    int lastAtOrBefore(long atRev) {
      for (int i = size - 1; i >= 0; i--) {
        if (main(i) <= atRev) {
          return i;
        }
      }
      return -1;
    }

    void dropBefore(int from) {
      System.arraycopy(revs, 2 * from, revs, 0, 2 * (size - from));
      size -= from;
    }
  }

  final byte[] key;
  private final List<Generation> generations = new ArrayList<>(1);

  KeyIndex(byte[] key) {
    this.key = key;
    generations.add(new Generation());
  }

  synchronized void put(long main, long sub) {
    Generation g = generations.get(generations.size() - 1);
    if (g.isEmpty()) {
      g.createdMain = main;
    }
    g.add(main, sub);
    g.version++;
  }

  /** Records a deletion; the caller knows the key exists. */
  synchronized void tombstone(long main, long sub) {
    put(main, sub);
    generations.add(new Generation());
  }

  /** The revision visible at {@code atRev}, or null when the key does not exist then. */
  synchronized Hit get(long atRev) {
    Generation g = findGeneration(atRev);
    if (g == null) {
      return null;
    }
    int n = g.lastAtOrBefore(atRev);
    if (n < 0) {
      return null;
    }
    return new Hit(new Revision(g.main(n), g.sub(n)), g.createdMain, g.version - (g.size - n - 1));
  }

  synchronized boolean existsAt(long atRev) {
    Generation g = findGeneration(atRev);
    return g != null && g.lastAtOrBefore(atRev) >= 0;
  }

  private Generation findGeneration(long rev) {
    int last = generations.size() - 1;
    for (int i = last; i >= 0; i--) {
      Generation g = generations.get(i);
      if (g.isEmpty()) {
        continue;
      }
      if (i != last && g.main(g.size - 1) <= rev) {
        return null; // deleted at or before rev
      }
      if (g.main(0) <= rev) {
        return g;
      }
    }
    return null;
  }

  /**
   * Forgets history before {@code atRev}: keeps, per key, the newest revision at or before it
   * (unless that is a deletion older than atRev) and everything after. Adds the revisions at or
   * before atRev that remain to {@code keep}.
   */
  synchronized void compact(long atRev, Set<Revision> keep) {
    int gi = 0;
    while (gi < generations.size() - 1) {
      Generation g = generations.get(gi);
      if (g.main(g.size - 1) >= atRev) {
        break;
      }
      gi++;
    }
    Generation g = generations.get(gi);
    int n = g.lastAtOrBefore(atRev);
    if (n >= 0) {
      keep.add(new Revision(g.main(n), g.sub(n)));
      g.dropBefore(n);
    }
    if (gi > 0) {
      generations.subList(0, gi).clear();
    }
  }

  /** True when the key has no history left at all. */
  synchronized boolean isEmpty() {
    return generations.size() == 1 && generations.get(0).isEmpty();
  }
}
