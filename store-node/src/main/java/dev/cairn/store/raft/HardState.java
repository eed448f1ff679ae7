package dev.cairn.store.raft;

/** What Raft must persist before it acts: current term, vote in it, and the commit index. */
public record HardState(long term, long vote, long commit) {
  public static final HardState EMPTY = new HardState(0, 0, 0);
}
