package dev.cairn.store.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterIdentityTest {
  private static final Path DIR = Path.of("/x");
  private static final ClusterIdentity DEFAULT =
      new ClusterIdentity(0x8e9e05c52164694dL, 0xcdf818194e3a8c32L);

  private static InitialCluster single(String token, boolean isNew) {
    return InitialCluster.of(
        "default", Map.of("default", List.of("http://localhost:2380")), token, isNew);
  }

  @Test
  void theSameIdentityPasses() {
    assertThatCode(
            () -> ClusterIdentity.verify(DIR, DEFAULT, single("etcd-cluster", true).identity()))
        .doesNotThrowAnyException();
  }

  @Test
  void anotherClusterOrMemberIsRefused() {
    ClusterIdentity other = single("other", true).identity();
    assertThatThrownBy(() -> ClusterIdentity.verify(DIR, DEFAULT, other))
        .isInstanceOf(MembershipException.class)
        .hasMessage(
            "data dir /x belongs to member 8e9e05c52164694d of cluster cdf818194e3a8c32, not member "
                + MemberIds.hex(other.memberId())
                + " of cluster "
                + MemberIds.hex(other.clusterId())
                + " (--initial-cluster, --initial-cluster-token and --name must match those the"
                + " data dir was created with)");
    ClusterIdentity sameClusterOtherMember = new ClusterIdentity(1, DEFAULT.clusterId());
    assertThatThrownBy(() -> ClusterIdentity.verify(DIR, sameClusterOtherMember, DEFAULT))
        .hasMessageStartingWith(
            "data dir /x belongs to member 1 of cluster cdf818194e3a8c32, not member"
                + " 8e9e05c52164694d of cluster cdf818194e3a8c32 (");
  }

  @Test
  void aNewDataDirTakesTheIdentityOfANewCluster() {
    assertThat(ClusterIdentity.resolve(DIR, Optional.empty(), single("etcd-cluster", true)))
        .contains(DEFAULT);
  }

  @Test
  void aNewDataDirJoiningAClusterHasNoIdentityYet() {
    assertThat(ClusterIdentity.resolve(DIR, Optional.empty(), single("etcd-cluster", false)))
        .isEmpty();
  }

  @Test
  void aStoredIdentityIsCheckedAgainstANewClustersFlags() {
    assertThat(ClusterIdentity.resolve(DIR, Optional.of(DEFAULT), single("etcd-cluster", true)))
        .contains(DEFAULT);
    assertThatThrownBy(
            () -> ClusterIdentity.resolve(DIR, Optional.of(DEFAULT), single("other", true)))
        .isInstanceOf(MembershipException.class)
        .hasMessageStartingWith("data dir /x belongs to member 8e9e05c52164694d");
  }

  @Test
  void aJoinedMembersStoredIdentityCannotBeCheckedAgainstFlags() {
    // Its id hashed the time of 'member add' (the one etcd gave in MemberIdsTest).
    ClusterIdentity joined = new ClusterIdentity(0x80c2ad913d064b77L, 0xf5870a074219c434L);
    assertThat(ClusterIdentity.resolve(DIR, Optional.of(joined), single("etcd-cluster", false)))
        .contains(joined);
  }
}
