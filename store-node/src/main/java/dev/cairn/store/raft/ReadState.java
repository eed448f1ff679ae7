package dev.cairn.store.raft;

/**
 * A linearizable read may proceed once the state machine has applied {@code index}.
 *
 * @param context the id the caller gave {@link RaftNode#readIndex}
 */
public record ReadState(long index, byte[] context) {}
