package dev.cairn.store.membership;

import static dev.cairn.store.membership.MemberIdsTest.REF_CLUSTER_ID;
import static dev.cairn.store.membership.MemberIdsTest.REF_M1;
import static dev.cairn.store.membership.MemberIdsTest.REF_M1_ID;
import static dev.cairn.store.membership.MemberIdsTest.REF_M2;
import static dev.cairn.store.membership.MemberIdsTest.REF_M2_ID;
import static dev.cairn.store.membership.MemberIdsTest.REF_M3;
import static dev.cairn.store.membership.MemberIdsTest.REF_M3_ID;
import static dev.cairn.store.membership.MemberIdsTest.REF_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InitialClusterTest {
  private static Map<String, List<String>> refCluster() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("m1", List.of(REF_M1));
    m.put("m2", List.of(REF_M2));
    m.put("m3", List.of(REF_M3));
    return m;
  }

  @Test
  void aNewThreeMemberClusterHasEtcdsIds() {
    InitialCluster c = InitialCluster.of("m2", refCluster(), REF_TOKEN, true);
    assertThat(c.clusterId()).isEqualTo(REF_CLUSTER_ID);
    assertThat(c.local()).isEqualTo(new Member(REF_M2_ID, "m2", List.of(REF_M2), List.of(), false));
    // etcd lists members by id as unsigned numbers.
    assertThat(c.memberIds()).containsExactly(REF_M1_ID, REF_M3_ID, REF_M2_ID);
    assertThat(c.members()).extracting(Member::name).containsExactly("m1", "m3", "m2");
    assertThat(c.member("m3").orElseThrow().id()).isEqualTo(REF_M3_ID);
    assertThat(c.member(REF_M1_ID).orElseThrow().name()).isEqualTo("m1");
    assertThat(c.identity()).isEqualTo(new ClusterIdentity(REF_M2_ID, REF_CLUSTER_ID));
    assertThat(c.isNew()).isTrue();
  }

  @Test
  void everyMemberComputesTheSameCluster() {
    InitialCluster a = InitialCluster.of("m1", refCluster(), REF_TOKEN, true);
    InitialCluster b = InitialCluster.of("m3", refCluster(), REF_TOKEN, true);
    assertThat(a.members()).isEqualTo(b.members());
    assertThat(a.clusterId()).isEqualTo(b.clusterId());
  }

  @Test
  void theDefaultSingleMember() {
    InitialCluster c =
        InitialCluster.of(
            "default", Map.of("default", List.of("http://localhost:2380")), "etcd-cluster", true);
    assertThat(c.local().idHex()).isEqualTo("8e9e05c52164694d");
    assertThat(MemberIds.hex(c.clusterId())).isEqualTo("cdf818194e3a8c32");
  }

  @Test
  void peerUrlsAreSortedAsEtcdSortsThem() {
    InitialCluster c =
        InitialCluster.of(
            "a",
            Map.of("a", List.of("http://127.0.0.1:32381", "http://127.0.0.1:32380")),
            "two-urls",
            true);
    assertThat(c.local().peerUrls())
        .containsExactly("http://127.0.0.1:32380", "http://127.0.0.1:32381");
    assertThat(c.local().id()).isEqualTo(0x059e1e9114f23b00L);
  }

  @Test
  void theTokenChangesEveryId() {
    InitialCluster a = InitialCluster.of("m1", refCluster(), "one", true);
    InitialCluster b = InitialCluster.of("m1", refCluster(), "two", true);
    assertThat(a.local().id()).isNotEqualTo(b.local().id());
    assertThat(a.clusterId()).isNotEqualTo(b.clusterId());
  }

  @Test
  void anExistingClusterGetsTheSameProvisionalIds() {
    // etcd's NewClusterFromURLsMap adds no time in either state.
    InitialCluster c = InitialCluster.of("m2", refCluster(), REF_TOKEN, false);
    assertThat(c.isNew()).isFalse();
    assertThat(c.identity()).isEqualTo(new ClusterIdentity(REF_M2_ID, REF_CLUSTER_ID));
  }

  @Test
  void theLocalMemberMustBeNamed() {
    assertThatThrownBy(() -> InitialCluster.of("m9", refCluster(), REF_TOKEN, true))
        .isInstanceOf(MembershipException.class)
        .hasMessage("couldn't find local name \"m9\" in the initial cluster configuration");
  }

  @Test
  void twoMembersWithTheSamePeerUrlsHaveTheSameId() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("a", List.of("http://x:1", "http://x:2"));
    m.put("b", List.of("http://x:2", "http://x:1"));
    assertThatThrownBy(() -> InitialCluster.of("a", m, "t", true))
        .isInstanceOf(MembershipException.class)
        .hasMessage(
            "member exists with identical ID "
                + MemberIds.hex(MemberIds.memberId(List.of("http://x:1", "http://x:2"), "t"))
                + " (a and b)");
  }
}
