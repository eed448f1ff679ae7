package dev.cairn.store.server;

import java.time.Duration;

/**
 * @param memberId this member's id
 * @param clusterId the cluster's id
 * @param maxRequestBytes largest encoded request accepted into the log
 * @param requestTimeout how long a proposal may wait for its outcome
 * @param heartbeatInterval Raft's tick: how often a leader sends heartbeats
 * @param electionTimeout Raft's election timeout
 * @param watchProgressInterval how often idle watchers that asked for it get a progress notice
 */
public record ServerOptions(
    long memberId,
    long clusterId,
    long maxRequestBytes,
    Duration requestTimeout,
    Duration heartbeatInterval,
    Duration electionTimeout,
    Duration watchProgressInterval) {}
