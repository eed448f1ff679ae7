package dev.cairn.store.raft;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A leader's pending ReadIndex requests. Each waits for a quorum to acknowledge a heartbeat sent
 * after it arrived; an acknowledgement of a later request confirms the earlier ones too, since the
 * leader was still leader when it sent that later heartbeat.
 */
final class ReadIndexQueue {
  /** A request: who asked, and the commit index when it arrived. */
  record Pending(long from, long index, byte[] context, Set<Long> acks) {}

  /** A context compared by content. */
  private record Key(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }

  private final Map<Key, Pending> byContext = new LinkedHashMap<>();

  void add(long from, long index, byte[] context, long self) {
    Key key = new Key(context);
    if (byContext.containsKey(key)) {
      return;
    }
    Set<Long> acks = new HashSet<>();
    acks.add(self);
    byContext.put(key, new Pending(from, index, context, acks));
  }

  /** Records an acknowledgement; returns the acknowledging set, or null for an unknown request. */
  Set<Long> ack(long from, byte[] context) {
    Pending p = byContext.get(new Key(context));
    if (p == null) {
      return null;
    }
    p.acks().add(from);
    return p.acks();
  }

  /** Removes and returns the requests up to and including the one with this context. */
  List<Pending> releaseThrough(byte[] context) {
    Key key = new Key(context);
    if (!byContext.containsKey(key)) {
      return List.of();
    }
    List<Pending> out = new ArrayList<>();
    var it = byContext.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      out.add(e.getValue());
      it.remove();
      if (e.getKey().equals(key)) {
        break;
      }
    }
    return out;
  }

  /** The newest request's context, carried by heartbeats so that acks confirm everything before. */
  byte[] lastContext() {
    byte[] last = null;
    for (Pending p : byContext.values()) {
      last = p.context();
    }
    return last;
  }

  void clear() {
    byContext.clear();
  }

  boolean isEmpty() {
    return byContext.isEmpty();
  }
}
