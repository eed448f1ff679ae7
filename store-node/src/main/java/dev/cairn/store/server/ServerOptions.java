package dev.cairn.store.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * @param memberId this member's id
 * @param clusterId the cluster's id
 * @param maxRequestBytes largest encoded request accepted into the log
 * @param requestTimeout how long a proposal may wait for its outcome
 * @param heartbeatInterval Raft's tick: how often a leader sends heartbeats
 * @param electionTimeout Raft's election timeout
 * @param watchProgressInterval how often idle watchers that asked for it get a progress notice
 * @param membership what this member publishes about itself and how membership may change
 * @param snapshots when snapshots are taken and where their files go
 */
public record ServerOptions(
    long memberId,
    long clusterId,
    long maxRequestBytes,
    Duration requestTimeout,
    Duration heartbeatInterval,
    Duration electionTimeout,
    Duration watchProgressInterval,
    Membership membership,
    Snapshots snapshots) {

  /** etcd's default backend quota: 2 GiB. */
  public static final long DEFAULT_QUOTA_BYTES = 2L << 30;

  /** Options with etcd's defaults for membership and snapshots, for a member named "default". */
  public ServerOptions(
      long memberId,
      long clusterId,
      long maxRequestBytes,
      Duration requestTimeout,
      Duration heartbeatInterval,
      Duration electionTimeout,
      Duration watchProgressInterval) {
    this(
        memberId,
        clusterId,
        maxRequestBytes,
        requestTimeout,
        heartbeatInterval,
        electionTimeout,
        watchProgressInterval,
        Membership.defaults(),
        Snapshots.defaults());
  }

  /**
   * @param name the name this member publishes
   * @param clientUrls the client URLs this member publishes
   * @param strictReconfigCheck refuse changes that would leave too few started members
   * @param maxLearners most learners at once (etcd's --max-learners)
   * @param quotaBackendBytes key-space size past which writes raise NOSPACE
   * @param corruptCheckInterval how often the leader compares members' hashes; zero disables
   */
  public record Membership(
      String name,
      List<String> clientUrls,
      boolean strictReconfigCheck,
      int maxLearners,
      long quotaBackendBytes,
      Duration corruptCheckInterval) {
    public static Membership defaults() {
      return new Membership("default", List.of(), true, 1, DEFAULT_QUOTA_BYTES, Duration.ZERO);
    }
  }

  /**
   * @param count applied entries between snapshots (etcd's --snapshot-count)
   * @param catchupEntries entries kept in the log after a snapshot for slow followers
   * @param dir where snapshot files are written and received; null for a directory beside the
   *     key-space backend
   */
  public record Snapshots(long count, long catchupEntries, Path dir) {
    public static Snapshots defaults() {
      return new Snapshots(10000, 5000, null);
    }
  }
}
