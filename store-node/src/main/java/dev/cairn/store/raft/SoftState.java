package dev.cairn.store.raft;

/** What a node knows of the current leadership; not persisted. */
public record SoftState(long leader, RaftNode.Role role) {}
