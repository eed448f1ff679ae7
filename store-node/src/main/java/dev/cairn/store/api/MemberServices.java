package dev.cairn.store.api;

import dev.cairn.store.server.MemberStatus;
import dev.cairn.store.server.RaftAuth;
import dev.cairn.store.server.RaftCluster;
import dev.cairn.store.server.RaftKv;
import dev.cairn.store.server.RaftLease;
import dev.cairn.store.server.RaftMaintenance;
import dev.cairn.store.watch.WatchableStore;

/** What the client API serves from: the member's operations, by role. */
public record MemberServices(
    RaftKv kv,
    RaftLease lease,
    WatchableStore watches,
    MemberStatus status,
    RaftCluster cluster,
    RaftMaintenance maintenance,
    RaftAuth auth) {

  /** Services without auth (every call allowed, the Auth service unavailable). */
  public MemberServices(
      RaftKv kv,
      RaftLease lease,
      WatchableStore watches,
      MemberStatus status,
      RaftCluster cluster,
      RaftMaintenance maintenance) {
    this(kv, lease, watches, status, cluster, maintenance, null);
  }
}
