package dev.cairn.operator.member;

import dev.cairn.operator.model.StoreClusterModel;

/** Turns on a cluster's etcd authentication. */
public interface AuthAdmin {
  /** For a reconciler that never enables auth (tests without members). */
  AuthAdmin NONE = (cluster, clusterId) -> AuthState.UNKNOWN;

  /**
   * Makes sure auth is on: creates the root user with the root Secret's password, grants it the
   * root role and enables auth, each step only if needed. Never throws for an unreachable cluster.
   *
   * @param clusterId the formed cluster's id, so that a recreated cluster is looked at afresh
   */
  AuthState ensureEnabled(StoreClusterModel cluster, long clusterId);
}
