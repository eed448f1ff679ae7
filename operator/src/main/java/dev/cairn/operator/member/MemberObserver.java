package dev.cairn.operator.member;

import dev.cairn.operator.model.StoreClusterModel;

/** Asks a cluster's members who they are and how they are. */
public interface MemberObserver {
  /**
   * Observes the cluster. Never throws for an unreachable or partly reachable cluster: that is what
   * the result reports.
   */
  ObservedCluster observe(StoreClusterModel cluster);
}
