package dev.cairn.store.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The Raft state machine: proposals and storage acknowledgements go in, {@link Ready} comes out. It
 * has no threads, clock, files or sockets; the caller owns all of them.
 *
 * <p>This version runs a configuration with one voter, which elects itself and commits an entry
 * once its own log holds it durably, with the Raft rule that only entries of the current term are
 * committed by counting replicas.
 *
 * <p>Threading: not thread-safe; one thread drives it.
 */
public final class RaftNode {
  public enum Role {
    FOLLOWER,
    CANDIDATE,
    LEADER
  }

  private final long id;
  private Role role = Role.FOLLOWER;
  private long term;
  private long vote;
  private long leader;

  // Invariant: handedOut <= committed <= stable <= lastIndex.
  private long committed;
  private long handedOut;
  private long stable;
  private long lastIndex;
  private long lastTerm;

  /** Entries after handedOut (not yet applied by the caller), in index order. */
  private final ArrayDeque<Entry> window = new ArrayDeque<>();

  /** Entries not yet handed to storage. */
  private List<Entry> unstable = new ArrayList<>();

  private HardState lastPersistedHardState;

  /**
   * Restores a node from what its storage holds.
   *
   * @param hardState the last persisted hard state
   * @param applied the last index whose effects the state machine holds
   * @param unapplied the stored entries after {@code applied}, in order
   * @param lastIndex the last index in storage, {@code lastTerm} its term
   */
  public RaftNode(
      long id,
      HardState hardState,
      long applied,
      List<Entry> unapplied,
      long lastIndex,
      long lastTerm) {
    this.id = id;
    this.term = hardState.term();
    this.vote = hardState.vote();
    this.committed = Math.max(applied, Math.min(hardState.commit(), lastIndex));
    this.handedOut = applied;
    this.stable = lastIndex;
    this.lastIndex = lastIndex;
    this.lastTerm = lastTerm;
    this.window.addAll(unapplied);
    this.lastPersistedHardState = hardState;
  }

  public long id() {
    return id;
  }

  public Role role() {
    return role;
  }

  public long term() {
    return term;
  }

  /** The leader's id, or 0 when none is known. */
  public long leader() {
    return leader;
  }

  public long committed() {
    return committed;
  }

  public long lastIndex() {
    return lastIndex;
  }

  /** Starts an election; with one voter it wins at once. */
  public void campaign() {
    term++;
    vote = id;
    role = Role.LEADER;
    leader = id;
    // A new leader commits its predecessors' entries by committing one of its own term.
    append(Entry.Type.NORMAL, new byte[0]);
  }

  /**
   * Appends a proposal to the log.
   *
   * @return the index given to it
   * @throws NotLeaderException when this node is not the leader
   */
  public long propose(byte[] data) {
    if (role != Role.LEADER) {
      throw new NotLeaderException(leader);
    }
    return append(Entry.Type.NORMAL, data);
  }

  private long append(Entry.Type type, byte[] data) {
    Entry e = new Entry(++lastIndex, term, type, data);
    lastTerm = term;
    unstable.add(e);
    window.add(e);
    return e.index();
  }

  /** Storage reports that the log holds every entry up to {@code index} (of {@code term}). */
  public void persisted(long index, long entryTerm) {
    if (index > lastIndex || index <= stable || termAt(index) != entryTerm) {
      return; // superseded by a later append or truncation
    }
    stable = index;
    maybeCommit();
  }

  private void maybeCommit() {
    if (role != Role.LEADER) {
      return;
    }
    long candidate = stable; // with one voter the quorum's match index is ours
    if (candidate > committed && termAt(candidate) == term) {
      committed = candidate;
    }
  }

  private long termAt(long index) {
    if (index == lastIndex) {
      return lastTerm;
    }
    for (Entry e : window) {
      if (e.index() == index) {
        return e.term();
      }
    }
    return -1;
  }

  public boolean hasReady() {
    return !unstable.isEmpty() || committed > handedOut || hardStateChanged();
  }

  // A change of the commit index alone needs no fsync: it can always be learnt again.
  private boolean hardStateChanged() {
    HardState p = lastPersistedHardState;
    return p.term() != term || p.vote() != vote;
  }

  /** Collects the work to do; the caller must call {@link #advance(Ready)} when it has done it. */
  public Ready ready() {
    HardState hs = hardStateChanged() ? new HardState(term, vote, committed) : null;
    List<Entry> toPersist = unstable;
    unstable = new ArrayList<>();
    List<Entry> toApply = new ArrayList<>();
    for (Entry e : window) {
      if (e.index() > committed) {
        break;
      }
      if (e.index() > handedOut) {
        toApply.add(e);
      }
    }
    return new Ready(hs, toPersist, toApply);
  }

  /** Acknowledges that the Ready was handed over. */
  public void advance(Ready rd) {
    if (rd.hardState() != null) {
      lastPersistedHardState = rd.hardState();
    }
    if (!rd.committed().isEmpty()) {
      handedOut = rd.committed().get(rd.committed().size() - 1).index();
      while (!window.isEmpty() && window.peekFirst().index() <= handedOut) {
        window.pollFirst();
      }
    }
  }
}
