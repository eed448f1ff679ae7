package dev.cairn.store.durability;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every write the test issued, what the member answered, and so what each key must hold.
 *
 * <p>Each key belongs to one writer thread, which issues its writes one at a time, so a key's
 * acknowledged writes are totally ordered. Once a write to a key fails (the member was killed under
 * it, or it timed out) it may or may not have happened: the key stays <em>unresolved</em> and its
 * writer never touches it again, so the key can only hold its last acknowledged state or that
 * write's outcome.
 *
 * <p>Threading: a writer updates the histories of its own keys; the verifier reads them only while
 * every writer is paused (see {@link KillNineDurabilityTest}), which orders it after the writes.
 */
final class Ledger {
  enum Kind {
    PUT,
    DELETE_RANGE,
    TXN
  }

  enum Outcome {
    IN_FLIGHT,
    ACKNOWLEDGED,
    FAILED
  }

  /** What one write does to one key: puts {@code value}, or deletes the key when it is null. */
  record Effect(ByteString key, ByteString value) {
    static Effect put(ByteString key, ByteString value) {
      return new Effect(key, value);
    }

    static Effect delete(ByteString key) {
      return new Effect(key, null);
    }

    boolean isDelete() {
      return value == null;
    }
  }

  /** One write request: a Put, a DeleteRange or a Txn, with every key it changes. */
  static final class Write {
    final long seq;
    final int writer;
    final Kind kind;
    final List<Effect> effects;
    final long sentNanos;
    volatile long ackNanos;
    volatile Outcome outcome = Outcome.IN_FLIGHT;

    /** The main revision in the response header, once acknowledged. */
    volatile long revision;

    /** Why it failed, once failed. */
    volatile String failure;

    /**
     * For a failed write that a verification found applied: the revision it was applied at (the mod
     * revision of a key it put), or -1 when it only deletes. Zero until seen applied. A write once
     * seen must stay: the member applies only what its log holds durably.
     */
    volatile long seenAppliedAt;

    Write(long seq, int writer, Kind kind, List<Effect> effects) {
      this.seq = seq;
      this.writer = writer;
      this.kind = kind;
      this.effects = List.copyOf(effects);
      this.sentNanos = System.nanoTime();
    }

    Effect effectOn(ByteString key) {
      for (Effect e : effects) {
        if (e.key().equals(key)) {
          return e;
        }
      }
      throw new IllegalArgumentException("write " + seq + " does not touch " + key);
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder();
      b.append(kind).append(" #").append(seq).append(" (writer ").append(writer).append(", ");
      b.append(outcome);
      if (outcome == Outcome.ACKNOWLEDGED) {
        b.append(" at revision ").append(revision);
      } else if (outcome == Outcome.FAILED) {
        b.append(": ").append(failure);
      }
      b.append(") [");
      for (int i = 0; i < effects.size(); i++) {
        Effect e = effects.get(i);
        b.append(i == 0 ? "" : ", ").append(e.key().toStringUtf8());
        b.append(e.isDelete() ? " deleted" : "=" + LedgerVerifier.shorten(e.value()));
      }
      return b.append(']').toString();
    }
  }

  /** The writes to one key: acknowledged ones in order, then at most one unresolved one. */
  static final class KeyHistory {
    final ByteString key;
    private final List<Write> acknowledged = new ArrayList<>(2);
    private Write unresolved;

    KeyHistory(ByteString key) {
      this.key = key;
    }

    synchronized List<Write> acknowledged() {
      return List.copyOf(acknowledged);
    }

    synchronized Write lastAcknowledged() {
      return acknowledged.isEmpty() ? null : acknowledged.get(acknowledged.size() - 1);
    }

    /** The write in flight or failed on this key, or null when every write to it is answered. */
    synchronized Write unresolved() {
      return unresolved;
    }

    private synchronized void begin(Write w) {
      if (unresolved != null) {
        throw new IllegalStateException(key.toStringUtf8() + " is unresolved: " + unresolved);
      }
      unresolved = w;
    }

    private synchronized void acknowledge(Write w) {
      acknowledged.add(w);
      unresolved = null;
    }
  }

  private final Map<ByteString, KeyHistory> keys = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Write> acknowledged = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Write> failed = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
  private final AtomicLong seq = new AtomicLong();
  private final AtomicLong acknowledgedCount = new AtomicLong();
  private final AtomicLong maxRevision = new AtomicLong();

  /** Records a write about to be sent; each key it touches is unresolved until it is answered. */
  Write begin(int writer, Kind kind, List<Effect> effects) {
    Write w = new Write(seq.incrementAndGet(), writer, kind, effects);
    for (Effect e : effects) {
      keys.computeIfAbsent(e.key(), KeyHistory::new).begin(w);
    }
    return w;
  }

  void acknowledged(Write w, long revision) {
    w.ackNanos = System.nanoTime();
    w.revision = revision;
    w.outcome = Outcome.ACKNOWLEDGED;
    for (Effect e : w.effects) {
      keys.get(e.key()).acknowledge(w);
    }
    acknowledged.add(w);
    maxRevision.accumulateAndGet(revision, Math::max);
    acknowledgedCount.incrementAndGet();
  }

  /** The write may or may not have happened; its keys stay unresolved for good. */
  void failed(Write w, String why) {
    w.ackNanos = System.nanoTime();
    w.failure = why;
    w.outcome = Outcome.FAILED;
    failed.add(w);
  }

  /** Something no crash explains (a wrong answer, an unexpected error): fails the test. */
  void unexpected(String what) {
    unexpected.add(what);
  }

  KeyHistory history(ByteString key) {
    return keys.get(key);
  }

  Collection<KeyHistory> histories() {
    return keys.values();
  }

  List<Write> acknowledgedWrites() {
    return List.copyOf(acknowledged);
  }

  List<Write> failedWrites() {
    return List.copyOf(failed);
  }

  List<String> unexpected() {
    return List.copyOf(unexpected);
  }

  long acknowledgedCount() {
    return acknowledgedCount.get();
  }

  long failedCount() {
    return failed.size();
  }

  long maxAcknowledgedRevision() {
    return maxRevision.get();
  }
}
