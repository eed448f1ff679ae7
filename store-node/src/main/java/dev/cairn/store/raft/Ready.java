package dev.cairn.store.raft;

import java.util.List;

/**
 * Work the caller must do for the Raft node. Send {@code messages} at once (a leader replicates
 * while it writes). Hand {@code snapshot}, {@code entries} and {@code hardState} to stable storage,
 * in one write, after the writes of earlier Readies; once stored, send {@code messagesAfterPersist}
 * and report through {@link RaftNode#persisted}. Apply {@code snapshot} then {@code committed} in
 * order; they are already stored. Serve reads for {@code readStates} once their index is applied.
 *
 * @param softState the leadership when it changed, else null
 * @param hardState the state to persist, or null when unchanged
 * @param snapshot a snapshot from the leader to store and install, or null
 * @param entries entries to append to stable storage, in index order; they replace any stored
 *     entries from the first one's index on
 * @param committed entries to apply, in index order
 */
public record Ready(
    SoftState softState,
    HardState hardState,
    Snapshot snapshot,
    List<Entry> entries,
    List<Entry> committed,
    List<Message> messages,
    List<Message> messagesAfterPersist,
    List<ReadState> readStates) {

  /** Whether there is anything for storage: the persisted messages wait for that write. */
  public boolean needsWrite() {
    return hardState != null
        || snapshot != null
        || !entries.isEmpty()
        || !messagesAfterPersist.isEmpty();
  }
}
