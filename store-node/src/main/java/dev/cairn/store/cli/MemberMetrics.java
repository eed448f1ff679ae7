package dev.cairn.store.cli;

import dev.cairn.store.lease.Lessor;
import dev.cairn.store.metrics.StoreMetrics;
import dev.cairn.store.server.ServerEvents;
import dev.cairn.store.server.StoreServer;
import dev.cairn.store.transport.PeerServer;
import dev.cairn.store.transport.PeerTransport;

/** A member's metrics: etcd's gauges read from the member, its counters fed by its events. */
final class MemberMetrics implements ServerEvents {
  /** etcd counts an apply as slow past this. */
  private static final long SLOW_APPLY_NANOS = 100_000_000L;

  private final StoreMetrics metrics;

  private MemberMetrics(StoreMetrics metrics) {
    this.metrics = metrics;
  }

  /** The metrics of {@code server}, which reports its events to them from now on. */
  static StoreMetrics of(
      StoreServer server,
      Lessor lessor,
      PeerTransport transport,
      PeerServer peerServer,
      long memberId,
      long quotaBytes,
      String version) {
    StoreMetrics m = new StoreMetrics();
    m.counter(
        "etcd_debugging_lease_granted_total",
        "The total number of granted leases.",
        lessor::grantedTotal);
    m.counter(
        "etcd_debugging_lease_revoked_total",
        "The total number of revoked leases.",
        lessor::revokedTotal);
    m.counter(
        "etcd_debugging_lease_renewed_total",
        "The number of renewed leases seen by the leader.",
        lessor::renewedTotal);
    m.counterByLabel(
        "etcd_network_peer_sent_bytes_total",
        "The total number of bytes sent to peers.",
        "To",
        () -> hexKeys(transport.bytesSentByPeer()));
    m.counterByLabel(
        "etcd_network_peer_received_bytes_total",
        "The total number of bytes received from peers.",
        "From",
        () -> hexKeys(peerServer.bytesReceivedByPeer()));
    m.gauge(
        "etcd_server_has_leader",
        "Whether or not a leader exists. 1 is existence, 0 is not.",
        () -> server.leader() != 0 ? 1 : 0);
    m.gauge(
        "etcd_server_is_leader",
        "Whether or not this member is a leader. 1 if is, 0 otherwise.",
        () -> server.leader() == memberId ? 1 : 0);
    m.gauge(
        "etcd_server_is_learner",
        "Whether or not this member is a learner. 1 if is, 0 otherwise.",
        () -> server.isLearner() ? 1 : 0);
    m.gauge(
        "etcd_server_proposals_committed_total",
        "The total number of consensus proposals committed.",
        server::committedIndex);
    m.gauge(
        "etcd_server_proposals_applied_total",
        "The total number of consensus proposals applied.",
        server::appliedIndex);
    m.gauge(
        "etcd_server_proposals_pending",
        "The current number of pending proposals to commit.",
        server::pendingProposals);
    m.gauge(
        "etcd_server_quota_backend_bytes",
        "Current backend storage quota size in bytes.",
        () -> quotaBytes);
    m.gauge(
        "etcd_mvcc_db_total_size_in_bytes",
        "Total size of the underlying database physically allocated in bytes.",
        server::dbSize);
    m.gauge(
        "etcd_mvcc_db_total_size_in_use_in_bytes",
        "Total size of the underlying database logically in use in bytes.",
        () -> server.status().getDbSizeInUse());
    m.gauge(
        "etcd_debugging_mvcc_current_revision",
        "The current revision of store.",
        server::currentRevision);
    m.gauge(
        "etcd_debugging_mvcc_watcher_total",
        "Total number of watchers.",
        () -> server.watchable().size());
    m.info(
        "etcd_server_version",
        "Which version is running. 1 for 'server_version' label with current version.",
        "server_version",
        version);
    m.info(
        "etcd_cluster_version",
        "Which version is running. 1 for 'cluster_version' label with current cluster version",
        "cluster_version",
        clusterVersion(version));
    m.info(
        "etcd_server_id",
        "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
        "server_id",
        Long.toHexString(memberId));
    server.observe(new MemberMetrics(m));
    return m;
  }

  private static java.util.Map<String, Long> hexKeys(java.util.Map<Long, Long> byId) {
    java.util.Map<String, Long> out = new java.util.HashMap<>();
    byId.forEach((id, n) -> out.put(Long.toHexString(id), n));
    return out;
  }

  @Override
  public void peerRoundTrip(long peer, long nanos) {
    metrics.peerRoundTrip.labelValues(Long.toHexString(peer)).observe(nanos / 1e9);
  }

  /** The cluster version etcd reports for a member version: major.minor. */
  static String clusterVersion(String version) {
    String[] parts = version.split("\\.");
    return parts.length >= 2 ? parts[0] + "." + parts[1] : version;
  }

  @Override
  public void leaderChanged() {
    metrics.leaderChanges.inc();
  }

  @Override
  public void proposalFailed() {
    metrics.proposalsFailed.inc();
  }

  @Override
  public void logSynced(long nanos) {
    metrics.walFsync.observe(nanos / 1e9);
  }

  @Override
  public void applied(long nanos) {
    metrics.backendCommit.observe(nanos / 1e9);
    if (nanos > SLOW_APPLY_NANOS) {
      metrics.slowApplies.inc();
    }
  }
}
