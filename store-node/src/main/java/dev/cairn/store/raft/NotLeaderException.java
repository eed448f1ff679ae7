package dev.cairn.store.raft;

/** A proposal reached a node that is not the leader. */
public final class NotLeaderException extends RuntimeException {
  private final long leader;

  public NotLeaderException(long leader) {
    super("not leader", null, false, false);
    this.leader = leader;
  }

  /** The known leader's id, or 0. */
  public long leader() {
    return leader;
  }
}
