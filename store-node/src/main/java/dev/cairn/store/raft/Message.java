package dev.cairn.store.raft;

import java.util.List;

/**
 * A message between Raft nodes, or from the caller to its own node. Which fields matter depends on
 * the type, as in the Raft paper: {@code logTerm}/{@code index} name the entry before {@code
 * entries} in an append, the candidate's last entry in a vote request, and the acknowledged (or
 * rejected) index in a response.
 *
 * @param context opaque bytes carried through: a ReadIndex request's id, or {@link
 *     #TRANSFER_CONTEXT} on a vote that a leadership transfer started
 * @param snapshot the snapshot an {@link Type#SNAPSHOT} message carries, else null
 */
public record Message(
    Type type,
    long from,
    long to,
    long term,
    long logTerm,
    long index,
    List<Entry> entries,
    long commit,
    boolean reject,
    long rejectHint,
    byte[] context,
    Snapshot snapshot) {

  public static final byte[] NO_CONTEXT = new byte[0];
  public static final byte[] TRANSFER_CONTEXT = {'t', 'r', 'a', 'n', 's', 'f', 'e', 'r'};

  public enum Type {
    /** Append entries (also the probe that finds where a follower's log matches). */
    APPEND,
    APPEND_RESPONSE,
    HEARTBEAT,
    HEARTBEAT_RESPONSE,
    VOTE,
    VOTE_RESPONSE,
    PRE_VOTE,
    PRE_VOTE_RESPONSE,
    /** A proposal a follower forwards to its leader. */
    PROPOSE,
    /** A linearizable read's request for the leader's commit index. */
    READ_INDEX,
    READ_INDEX_RESPONSE,
    /** The leader hands over the whole state when the follower's next entries are compacted. */
    SNAPSHOT,
    /** A leader transferring leadership tells its chosen successor to campaign at once. */
    TIMEOUT_NOW
  }

  public Message {
    entries = entries == null ? List.of() : entries;
    context = context == null ? NO_CONTEXT : context;
  }

  /** A message with only the routing fields set; the others are filled with builders below. */
  public static Message of(Type type, long from, long to, long term) {
    return new Message(type, from, to, term, 0, 0, List.of(), 0, false, 0, NO_CONTEXT, null);
  }

  /**
   * Whether this message may leave only after the sender's storage holds what it vouches for: an
   * acknowledged append, a granted vote, or a candidate's own term and vote.
   */
  public boolean needsPersistedState() {
    return type == Type.APPEND_RESPONSE || type == Type.VOTE_RESPONSE || type == Type.VOTE;
  }

  public Message withLog(long logTerm, long index) {
    return new Message(
        type,
        from,
        to,
        term,
        logTerm,
        index,
        entries,
        commit,
        reject,
        rejectHint,
        context,
        snapshot);
  }

  public Message withEntries(List<Entry> entries) {
    return new Message(
        type,
        from,
        to,
        term,
        logTerm,
        index,
        entries,
        commit,
        reject,
        rejectHint,
        context,
        snapshot);
  }

  public Message withCommit(long commit) {
    return new Message(
        type,
        from,
        to,
        term,
        logTerm,
        index,
        entries,
        commit,
        reject,
        rejectHint,
        context,
        snapshot);
  }

  public Message withReject(long rejectHint) {
    return new Message(
        type, from, to, term, logTerm, index, entries, commit, true, rejectHint, context, snapshot);
  }

  public Message withContext(byte[] context) {
    return new Message(
        type,
        from,
        to,
        term,
        logTerm,
        index,
        entries,
        commit,
        reject,
        rejectHint,
        context,
        snapshot);
  }

  public Message withSnapshot(Snapshot snapshot) {
    return new Message(
        type,
        from,
        to,
        term,
        logTerm,
        index,
        entries,
        commit,
        reject,
        rejectHint,
        context,
        snapshot);
  }

  @Override
  public String toString() {
    return type
        + " "
        + Long.toHexString(from)
        + "->"
        + Long.toHexString(to)
        + " term="
        + term
        + " logTerm="
        + logTerm
        + " index="
        + index
        + " entries="
        + entries.size()
        + " commit="
        + commit
        + (reject ? " reject hint=" + rejectHint : "");
  }

  // Records compare arrays by identity; messages are compared field by field in tests only.
  @Override
  public boolean equals(Object o) {
    return this == o;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }
}
