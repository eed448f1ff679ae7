package dev.cairn.store.raft;

import java.util.List;

/**
 * Work the caller must do for the Raft node, in this order: hand {@code entries} and {@code
 * hardState} to stable storage (a leader may send its messages first: it may write in parallel with
 * replication), apply {@code committed} entries in order, then call {@link RaftNode#advance}.
 * Storage reports durability back through {@link RaftNode#persisted(long, long)}.
 *
 * @param hardState the state to persist, or null when unchanged
 * @param entries new entries to append to stable storage, in index order
 * @param committed entries known committed and not handed out before, in index order
 */
public record Ready(HardState hardState, List<Entry> entries, List<Entry> committed) {
  public boolean isEmpty() {
    return hardState == null && entries.isEmpty() && committed.isEmpty();
  }
}
