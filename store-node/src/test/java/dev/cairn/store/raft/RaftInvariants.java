package dev.cairn.store.raft;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The Raft paper's safety properties, checked against everything a simulated cluster has done so
 * far. The history it keeps (which node led which term, which entry was seen at which index and
 * term, what was applied where) spans crashes and restarts.
 *
 * <ul>
 *   <li>Election safety: at most one leader per term.
 *   <li>Vote durability: a node's stored vote in a term never changes to another candidate.
 *   <li>Log matching: an (index, term) pair names one entry everywhere and ever, always preceded by
 *       an entry of the same term; by induction, two logs that share an entry share everything
 *       before it. Terms never decrease along a log.
 *   <li>Leader completeness: a newly elected leader's log holds every entry applied anywhere.
 *   <li>State machine safety: no two nodes apply different entries at an index; each node applies
 *       indexes in order, so applied sequences are prefixes of one another; a snapshot holds the
 *       state of exactly the entries applied up to its index.
 *   <li>A node's commit index never goes back while it runs; its stored commit index never points
 *       past its stored log.
 *   <li>Linearizable reads: a ReadIndex answer is at least every index committed or applied
 *       anywhere when the read was asked.
 * </ul>
 */
final class RaftInvariants {
  private record EntryId(long index, long term) {}

  /** What an (index, term) stands for: the entry's content and the term of the entry before it. */
  private record EntryFacts(Entry entry, long prevTerm, String seenIn) {}

  private record Ballot(long node, long term) {}

  private final Supplier<String> where;

  private final Map<Long, Long> leaderOfTerm = new HashMap<>();
  private final Set<Long> completenessChecked = new HashSet<>();
  private final Map<Ballot, Long> votes = new HashMap<>();
  private final Map<EntryId, EntryFacts> entries = new HashMap<>();
  private final Map<Long, Entry> appliedAt = new HashMap<>();
  private final Map<Long, Long> chainAt = new HashMap<>();
  private final Map<ByteBuffer, Long> readFloor = new HashMap<>();
  private long maxApplied;
  private long maxCommitted;
  private int elections;

  /**
   * @param where describes the current point of the run (seed and step) for failure messages
   */
  RaftInvariants(Supplier<String> where) {
    this.where = where;
  }

  private void fail(String property, String detail) {
    throw new InvariantViolation(property + ": " + detail + " (" + where.get() + ")");
  }

  /** A broken safety property; the message names it, the seed and the step. */
  static final class InvariantViolation extends AssertionError {
    InvariantViolation(String message) {
      super(message);
    }
  }

  // ---- elections ----

  /**
   * Called whenever {@code leader} is seen in the leader role at {@code term}.
   *
   * @param wholeLog whether its storage and queued writes hold its whole log right now; leader
   *     completeness is checked the first time they do (a leader never drops entries, and entries
   *     committed in earlier terms are in its log from its election on)
   */
  void leaderSeen(SimulatedNode leader, long term, boolean wholeLog) {
    Long known = leaderOfTerm.putIfAbsent(term, leader.id);
    if (known == null) {
      elections++;
    } else if (known != leader.id) {
      fail("election safety", "term " + term + " has two leaders, " + known + " and " + leader.id);
    }
    if (wholeLog && completenessChecked.add(term)) {
      checkLeaderCompleteness(leader, term);
    }
  }

  private void checkLeaderCompleteness(SimulatedNode leader, long term) {
    SimulatedNode.VisibleLog log = leader.visibleLog();
    if (log.lastIndex() < maxApplied) {
      fail(
          "leader completeness",
          "leader "
              + leader.id
              + " of term "
              + term
              + " has entries up to "
              + log.lastIndex()
              + " but "
              + maxApplied
              + " was applied");
    }
    for (long i = log.snapshotIndex() + 1; i <= maxApplied; i++) {
      Entry applied = appliedAt.get(i);
      Entry mine = log.entry(i);
      if (applied != null && !sameEntry(applied, mine)) {
        fail(
            "leader completeness",
            "leader "
                + leader.id
                + " of term "
                + term
                + " has "
                + describe(mine)
                + " where "
                + describe(applied)
                + " was applied");
      }
    }
  }

  /** A node wrote this hard state to storage. */
  void hardStateStored(SimulatedNode node, HardState hs) {
    if (hs.vote() != 0) {
      Long earlier = votes.putIfAbsent(new Ballot(node.id, hs.term()), hs.vote());
      if (earlier != null && earlier != hs.vote()) {
        fail(
            "vote durability",
            "node "
                + node.id
                + " stored a vote for "
                + hs.vote()
                + " in term "
                + hs.term()
                + " after one for "
                + earlier);
      }
    }
    if (hs.commit() > node.storage.lastIndex()) {
      fail(
          "durable commit",
          "node "
              + node.id
              + " stored commit "
              + hs.commit()
              + " beyond its stored log, which ends at "
              + node.storage.lastIndex());
    }
  }

  // ---- logs ----

  /**
   * Records entries that follow (prevIndex, prevTerm) in some log: written to a node's storage or
   * sent in an append.
   */
  void entriesSeen(long prevIndex, long prevTerm, List<Entry> es, String seenIn) {
    long expectIndex = prevIndex + 1;
    long prev = prevTerm;
    for (Entry e : es) {
      if (e.index() != expectIndex) {
        fail(
            "log matching", seenIn + " has entry " + e.index() + " where " + expectIndex + " goes");
      }
      if (e.term() < prev) {
        fail(
            "log matching",
            seenIn + " has " + describe(e) + " after an entry of the later term " + prev);
      }
      EntryFacts facts = new EntryFacts(e, prev, seenIn);
      EntryFacts known = entries.putIfAbsent(new EntryId(e.index(), e.term()), facts);
      if (known != null) {
        if (!sameEntry(known.entry(), e)) {
          fail(
              "log matching",
              seenIn
                  + " has "
                  + describe(e)
                  + " but "
                  + known.seenIn()
                  + " had "
                  + describe(known.entry()));
        }
        if (known.prevTerm() != prev && prev >= 0 && known.prevTerm() >= 0) {
          fail(
              "log matching",
              seenIn
                  + " has "
                  + describe(e)
                  + " after an entry of term "
                  + prev
                  + " but "
                  + known.seenIn()
                  + " had it after one of term "
                  + known.prevTerm());
        }
      }
      expectIndex++;
      prev = e.term();
    }
  }

  // ---- state machines ----

  void applied(SimulatedNode node, Entry e, long previousApplied) {
    if (e.index() != previousApplied + 1) {
      fail(
          "state machine safety",
          "node " + node.id + " applied " + e.index() + " right after " + previousApplied);
    }
    Entry first = appliedAt.putIfAbsent(e.index(), e);
    if (first != null && !sameEntry(first, e)) {
      fail(
          "state machine safety",
          "node "
              + node.id
              + " applied "
              + describe(e)
              + " where another node applied "
              + describe(first));
    }
    stateAt(node, e.index(), node.chain, "after applying " + e.index());
    maxApplied = Math.max(maxApplied, e.index());
  }

  /** A node took its state machine from a snapshot, received or made. */
  void snapshotState(SimulatedNode node, Snapshot s, String how) {
    if (SimulatedNode.snapshotIndex(s) != s.index()) {
      fail(
          "snapshot",
          "node "
              + node.id
              + " "
              + how
              + " snapshot "
              + s.index()
              + " holding the state at "
              + SimulatedNode.snapshotIndex(s));
    }
    stateAt(node, s.index(), SimulatedNode.snapshotChain(s), how + " snapshot " + s.index());
    maxApplied = Math.max(maxApplied, s.index());
  }

  private void stateAt(SimulatedNode node, long index, long chain, String how) {
    Long known = chainAt.putIfAbsent(index, chain);
    if (known != null && known != chain) {
      fail(
          "state machine safety",
          "node " + node.id + " " + how + " holds another state than other nodes at " + index);
    }
  }

  /** Called after every step for each running node. */
  void commitSeen(SimulatedNode node) {
    long commit = node.raft().committed();
    if (commit < node.highestCommitSeen) {
      fail(
          "commit index",
          "node " + node.id + " went back from commit " + node.highestCommitSeen + " to " + commit);
    }
    if (commit > node.raft().lastIndex()) {
      fail(
          "commit index",
          "node "
              + node.id
              + " commits "
              + commit
              + " beyond its last index "
              + node.raft().lastIndex());
    }
    node.highestCommitSeen = commit;
    maxCommitted = Math.max(maxCommitted, commit);
  }

  // ---- reads ----

  /** A ReadIndex request is made; {@code committedNow} is the highest commit index right now. */
  void readRequested(byte[] context, long committedNow) {
    readFloor.put(
        ByteBuffer.wrap(context), Math.max(Math.max(maxApplied, maxCommitted), committedNow));
  }

  void readAnswered(SimulatedNode node, ReadState rs) {
    Long floor = readFloor.get(ByteBuffer.wrap(rs.context()));
    if (floor == null) {
      fail("linearizable read", "node " + node.id + " got an answer to a read nobody asked");
    }
    if (rs.index() < floor) {
      fail(
          "linearizable read",
          "node "
              + node.id
              + " may serve a read at index "
              + rs.index()
              + " though "
              + floor
              + " was committed before the read was asked");
    }
  }

  // ---- queries ----

  long maxApplied() {
    return maxApplied;
  }

  /** The entry applied at an index by whichever node applied it, or null. */
  Entry appliedAt(long index) {
    return appliedAt.get(index);
  }

  /** How many (term, leader) pairs have been seen. */
  int elections() {
    return elections;
  }

  private static boolean sameEntry(Entry a, Entry b) {
    return b != null
        && a.index() == b.index()
        && a.term() == b.term()
        && a.type() == b.type()
        && Arrays.equals(a.data(), b.data());
  }

  static String describe(Entry e) {
    if (e == null) {
      return "no entry";
    }
    String data =
        e.type() == Entry.Type.CONF_CHANGE
            ? ConfChange.decode(e.data()).type() + " " + ConfChange.decode(e.data()).nodeId()
            : '"' + new String(e.data(), UTF_8) + '"';
    return "entry " + e.index() + " of term " + e.term() + " (" + data + ")";
  }
}
