package dev.cairn.store.mvcc;

import dev.cairn.store.support.Bytes;
import dev.cairn.store.support.KeyRange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/** Every key's history in memory, ordered by key; rebuilt from disk at start. */
final class TreeIndex {
  private final ConcurrentSkipListMap<Bytes, KeyIndex> keys = new ConcurrentSkipListMap<>();

  void put(byte[] key, Revision rev) {
    keys.computeIfAbsent(Bytes.wrap(key), k -> new KeyIndex(key)).put(rev.main(), rev.sub());
  }

  void tombstone(byte[] key, Revision rev) {
    KeyIndex ki = keys.get(Bytes.wrap(key));
    if (ki != null) {
      ki.tombstone(rev.main(), rev.sub());
    }
  }

  KeyIndex.Hit get(byte[] key, long atRev) {
    KeyIndex ki = keys.get(Bytes.wrap(key));
    return ki == null ? null : ki.get(atRev);
  }

  /** The key indexes whose keys lie in the range, in key order. */
  Collection<KeyIndex> inRange(KeyRange range) {
    if (range.isSingleKey()) {
      KeyIndex ki = keys.get(Bytes.wrap(range.key()));
      return ki == null ? List.of() : List.of(ki);
    }
    Bytes from = Bytes.wrap(range.key());
    if (range.isOpenEnded()) {
      return keys.tailMap(from, true).values();
    }
    Bytes to = Bytes.wrap(range.end());
    if (from.compareTo(to) >= 0) {
      return List.of();
    }
    return keys.subMap(from, true, to, false).values();
  }

  /** The keys that exist at {@code atRev} in the range. */
  List<byte[]> liveKeys(KeyRange range, long atRev) {
    List<byte[]> out = new ArrayList<>();
    for (KeyIndex ki : inRange(range)) {
      if (ki.existsAt(atRev)) {
        out.add(ki.key);
      }
    }
    return out;
  }

  long count(KeyRange range, long atRev) {
    long n = 0;
    for (KeyIndex ki : inRange(range)) {
      if (ki.existsAt(atRev)) {
        n++;
      }
    }
    return n;
  }

  /** Compacts every key's history; returns the revisions at or before atRev that must stay. */
  Set<Revision> compact(long atRev) {
    Set<Revision> keep = new HashSet<>();
    var it = keys.values().iterator();
    while (it.hasNext()) {
      KeyIndex ki = it.next();
      ki.compact(atRev, keep);
      if (ki.isEmpty()) {
        it.remove();
      }
    }
    return keep;
  }

  int size() {
    return keys.size();
  }
}
