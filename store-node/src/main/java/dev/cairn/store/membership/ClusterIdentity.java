package dev.cairn.store.membership;

import java.nio.file.Path;
import java.util.Optional;

/** Which member of which cluster a data dir belongs to. */
public record ClusterIdentity(long memberId, long clusterId) {

  /**
   * Refuses a data dir created for another member or another cluster than the flags describe. etcd
   * would start as the member the data dir records and ignore the flags; joining a cluster other
   * than the one asked for, unnoticed, is worse than not starting.
   *
   * @throws MembershipException if the two differ
   */
  public static void verify(Path dataDir, ClusterIdentity stored, ClusterIdentity configured) {
    if (!stored.equals(configured)) {
      throw new MembershipException(
          "data dir "
              + dataDir
              + " belongs to "
              + stored
              + ", not "
              + configured
              + " (--initial-cluster, --initial-cluster-token and --name must match those the data"
              + " dir was created with)");
    }
  }

  /**
   * The identity a member starts with: the stored one, once checked against the flags where they
   * determine it; for a new data dir, the configured one of a new cluster, which the caller must
   * then store; empty for a new data dir joining an existing cluster, whose ids come from the
   * cluster it joins.
   *
   * @throws MembershipException if the stored identity is not the one a new cluster's flags give
   */
  public static Optional<ClusterIdentity> resolve(
      Path dataDir, Optional<ClusterIdentity> stored, InitialCluster configured) {
    if (stored.isPresent()) {
      // A joined member's id hashed the time of 'member add'; no flag can reproduce it.
      if (configured.isNew()) {
        verify(dataDir, stored.get(), configured.identity());
      }
      return stored;
    }
    return configured.isNew() ? Optional.of(configured.identity()) : Optional.empty();
  }

  @Override
  public String toString() {
    return "member " + MemberIds.hex(memberId) + " of cluster " + MemberIds.hex(clusterId);
  }
}
