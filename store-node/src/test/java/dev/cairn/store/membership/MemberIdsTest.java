package dev.cairn.store.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemberIdsTest {
  /*
   * A real etcd 3.4.23 cluster: /work/shared/tools/etcd-ref start DIR 3 42379, whose members ran
   * with --initial-cluster m1=http://127.0.0.1:42380,m2=http://127.0.0.1:42390,
   * m3=http://127.0.0.1:42400 and --initial-cluster-token ref-20225-5145 (read from their command
   * lines); ids from etcdctl member list -w json.
   */
  static final String REF_TOKEN = "ref-20225-5145";
  static final String REF_M1 = "http://127.0.0.1:42380";
  static final String REF_M2 = "http://127.0.0.1:42390";
  static final String REF_M3 = "http://127.0.0.1:42400";
  static final long REF_M1_ID = 0x47fedc85b85dc364L;
  static final long REF_M2_ID = 0xd8643cde3241db53L;
  static final long REF_M3_ID = 0x7bc8f563742444e7L;
  static final long REF_CLUSTER_ID = 0xf5870a074219c434L;

  @Test
  void theDefaultSingleMemberHasEtcdsWellKnownIds() {
    long member = MemberIds.memberId(List.of("http://localhost:2380"), "etcd-cluster");
    assertThat(Long.toUnsignedString(member, 16)).isEqualTo("8e9e05c52164694d");
    assertThat(Long.toUnsignedString(MemberIds.clusterId(List.of(member)), 16))
        .isEqualTo("cdf818194e3a8c32");
  }

  @Test
  void aThreeMemberClusterHasTheIdsEtcdGaveIt() {
    assertThat(MemberIds.memberId(List.of(REF_M1), REF_TOKEN)).isEqualTo(REF_M1_ID);
    assertThat(MemberIds.memberId(List.of(REF_M2), REF_TOKEN)).isEqualTo(REF_M2_ID);
    assertThat(MemberIds.memberId(List.of(REF_M3), REF_TOKEN)).isEqualTo(REF_M3_ID);
    // The cluster id sorts the member ids as unsigned numbers: d864... comes last.
    assertThat(MemberIds.clusterId(List.of(REF_M2_ID, REF_M1_ID, REF_M3_ID)))
        .isEqualTo(REF_CLUSTER_ID);
  }

  @Test
  void aMemberWithTwoPeerUrlsHasTheIdEtcdGaveIt() {
    // etcd 3.4.23 --name a --initial-cluster a=http://127.0.0.1:32381,a=http://127.0.0.1:32380
    // --initial-cluster-token two-urls; etcdctl member list -w json.
    long id =
        MemberIds.memberId(List.of("http://127.0.0.1:32381", "http://127.0.0.1:32380"), "two-urls");
    assertThat(id).isEqualTo(0x059e1e9114f23b00L);
    assertThat(MemberIds.clusterId(List.of(id))).isEqualTo(0xda4e447169aefcb9L);
    // etcd prints ids without leading zeros.
    assertThat(MemberIds.hex(id)).isEqualTo("59e1e9114f23b00");
  }

  @Test
  void aMemberAddedToARunningClusterHashesTheTimeAndNoToken() {
    // etcdctl member add m4 --peer-urls=http://127.0.0.1:42410 on the cluster above, at Unix
    // second 1795325688 (date +%s before and after the call agreed).
    assertThat(MemberIds.memberId(List.of("http://127.0.0.1:42410"), "", 1795325688L))
        .isEqualTo(0x80c2ad913d064b77L);
  }

  @Test
  void peerUrlOrderDoesNotMatter() {
    assertThat(MemberIds.memberId(List.of("http://b:2380", "http://a:2380"), "t"))
        .isEqualTo(MemberIds.memberId(List.of("http://a:2380", "http://b:2380"), "t"));
  }
}
