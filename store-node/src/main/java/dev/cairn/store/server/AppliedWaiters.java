package dev.cairn.store.server;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/** Reads waiting for the state machine to reach an index; the apply thread releases them. */
final class AppliedWaiters {
  private final LongSupplier applied;
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();

  AppliedWaiters(LongSupplier applied) {
    this.applied = applied;
  }

  /** Completes the futures once everything up to {@code index} is applied. */
  void await(long index, List<CompletableFuture<Void>> futures) {
    synchronized (this) {
      // Checked under the lock the apply thread takes after advancing: no wake-up is lost.
      if (applied.getAsLong() < index) {
        waiting.computeIfAbsent(index, i -> new ArrayList<>()).addAll(futures);
        return;
      }
    }
    futures.forEach(f -> f.complete(null));
  }

  /** Called by the apply thread after the store's applied index reached {@code index}. */
  void appliedTo(long index) {
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    synchronized (this) {
      var head = waiting.headMap(index, true);
      head.values().forEach(ready::addAll);
      head.clear();
    }
    ready.forEach(f -> f.complete(null));
  }

  /** Fails every waiting read, when the member stops. */
  void failAll(Throwable t) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    synchronized (this) {
      waiting.values().forEach(all::addAll);
      waiting.clear();
    }
    all.forEach(f -> f.completeExceptionally(t));
  }
}
