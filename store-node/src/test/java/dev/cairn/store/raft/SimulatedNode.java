package dev.cairn.store.raft;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * One member of a simulated cluster: what survives a crash (its {@link MemoryStorage} and the last
 * stored {@link HardState}) and what does not (the {@link RaftNode}, the storage writes still
 * queued, and the state machine, which restarts from the stored snapshot and re-applies the log).
 *
 * <p>The state machine keeps no data, only a running hash of what it applied: two nodes whose
 * hashes agree at an index applied the same entries up to it. Snapshots carry that index and hash.
 */
final class SimulatedNode {
  /** One Ready's worth of storage work: written in order, then acknowledged. */
  record Write(
      Snapshot snapshot, List<Entry> entries, HardState hardState, List<Message> afterPersist) {}

  final long id;
  private final ConfState bootConf;

  // Durable.
  final MemoryStorage storage = new MemoryStorage();
  HardState hardState = HardState.EMPTY;

  // Lost in a crash.
  private RaftNode raft;
  private int life;
  final Deque<Write> writes = new ArrayDeque<>();
  long applied;
  long chain;
  ConfState conf;
  final List<String> appliedValues = new ArrayList<>();
  final List<ReadState> readStates = new ArrayList<>();
  long highestCommitSeen;

  SimulatedNode(long id, ConfState bootConf) {
    this.id = id;
    this.bootConf = bootConf;
    this.conf = bootConf;
  }

  boolean isUp() {
    return raft != null;
  }

  RaftNode raft() {
    if (raft == null) {
      throw new IllegalStateException("node " + id + " is down");
    }
    return raft;
  }

  /** How many times the node has started: messages from an earlier life are not its own. */
  int life() {
    return life;
  }

  /** Starts from durable state only, as a process does after a crash. */
  void start(RaftConfig config, RandomGenerator random) {
    Snapshot s = storage.snapshot();
    if (s != null) {
      ByteBuffer b = ByteBuffer.wrap(s.data());
      applied = b.getLong();
      chain = b.getLong();
      conf = s.conf();
    } else {
      applied = 0;
      chain = 0;
      conf = bootConf;
    }
    writes.clear();
    appliedValues.clear();
    readStates.clear();
    raft = new RaftNode(config, storage, hardState, conf, applied, random);
    highestCommitSeen = raft.committed();
    life++;
  }

  void crash() {
    raft = null;
    writes.clear();
  }

  /** Folds an applied entry into the state machine. */
  void apply(Entry e) {
    applied = e.index();
    chain = chainWith(chain, e);
    if (e.type() == Entry.Type.NORMAL && e.data().length > 0) {
      appliedValues.add(new String(e.data(), StandardCharsets.UTF_8));
    }
  }

  /** Replaces the state machine by a snapshot's. */
  void install(Snapshot s) {
    ByteBuffer b = ByteBuffer.wrap(s.data());
    applied = b.getLong();
    chain = b.getLong();
    conf = s.conf();
  }

  /** The state machine as snapshot data. */
  byte[] snapshotData() {
    return ByteBuffer.allocate(16).putLong(applied).putLong(chain).array();
  }

  static long snapshotChain(Snapshot s) {
    return ByteBuffer.wrap(s.data()).getLong(8);
  }

  static long snapshotIndex(Snapshot s) {
    return ByteBuffer.wrap(s.data()).getLong(0);
  }

  static long chainWith(long chain, Entry e) {
    long h = chain * 0x9E3779B97F4A7C15L + e.index();
    h = h * 31 + e.term();
    h = h * 31 + e.type().ordinal();
    for (byte b : e.data()) {
      h = h * 31 + b;
    }
    return h ^ (h >>> 29);
  }

  /**
   * The log the node would have after its queued writes land: what storage holds, overlaid by them.
   * Entries not yet handed out by the node are not included.
   *
   * @return the entries after {@link VisibleLog#snapshotIndex}
   */
  VisibleLog visibleLog() {
    long base = storage.firstIndex() - 1;
    List<Entry> entries =
        new ArrayList<>(storage.entries(base + 1, storage.lastIndex() + 1, Long.MAX_VALUE));
    for (Write w : writes) {
      if (w.snapshot() != null) {
        base = w.snapshot().index();
        entries.clear();
      }
      if (!w.entries().isEmpty()) {
        long first = w.entries().get(0).index();
        int keep = (int) Math.max(0, Math.min(entries.size(), first - base - 1));
        entries.subList(keep, entries.size()).clear();
        entries.addAll(w.entries());
      }
    }
    return new VisibleLog(base, entries);
  }

  record VisibleLog(long snapshotIndex, List<Entry> entries) {
    long lastIndex() {
      return snapshotIndex + entries.size();
    }

    /** The entry at {@code index}, or null when compacted or beyond the end. */
    Entry entry(long index) {
      if (index <= snapshotIndex || index > lastIndex()) {
        return null;
      }
      return entries.get((int) (index - snapshotIndex - 1));
    }
  }

  @Override
  public String toString() {
    return isUp()
        ? raft + " applied=" + applied + " writes=" + writes.size()
        : id + " DOWN stored=" + storage.lastIndex() + " " + hardState;
  }
}
