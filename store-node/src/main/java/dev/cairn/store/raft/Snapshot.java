package dev.cairn.store.raft;

/**
 * What a Raft snapshot stands for: the state machine after applying every entry up to {@code index}
 * (of {@code term}), with the configuration in force then. The state itself travels outside the
 * core; {@code data} is whatever the caller attached, possibly empty.
 */
public record Snapshot(long index, long term, ConfState conf, byte[] data) {}
