package dev.cairn.store.watch;

import dev.cairn.proto.mvccpb.Event;
import dev.cairn.store.support.KeyRange;

/** One watch: a key range, where its events go, and how far it has got. */
public final class Watcher {
  final long id;
  final KeyRange range;
  final long startRev;
  final boolean noPut;
  final boolean noDelete;
  final boolean progressNotify;
  final WatchSink sink;

  // Guarded by the store's lock. Invariant: every matching event below minRev has been sent.
  long minRev;
  boolean synced;
  boolean eventsSinceProgress;
  boolean cancelled;

  Watcher(
      long id,
      KeyRange range,
      long startRev,
      boolean noPut,
      boolean noDelete,
      boolean progressNotify,
      WatchSink sink) {
    this.id = id;
    this.range = range;
    this.startRev = startRev;
    this.noPut = noPut;
    this.noDelete = noDelete;
    this.progressNotify = progressNotify;
    this.sink = sink;
  }

  public long id() {
    return id;
  }

  boolean wants(Event e) {
    if (e.getType() == Event.EventType.PUT ? noPut : noDelete) {
      return false;
    }
    return range.contains(e.getKv().getKey().toByteArray());
  }
}
