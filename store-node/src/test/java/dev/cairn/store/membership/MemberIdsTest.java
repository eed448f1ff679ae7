package dev.cairn.store.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemberIdsTest {
  @Test
  void theDefaultSingleMemberHasEtcdsWellKnownIds() {
    long member = MemberIds.memberId(List.of("http://localhost:2380"), "etcd-cluster");
    assertThat(Long.toUnsignedString(member, 16)).isEqualTo("8e9e05c52164694d");
    assertThat(Long.toUnsignedString(MemberIds.clusterId(List.of(member)), 16))
        .isEqualTo("cdf818194e3a8c32");
  }

  @Test
  void peerUrlOrderDoesNotMatter() {
    assertThat(MemberIds.memberId(List.of("http://b:2380", "http://a:2380"), "t"))
        .isEqualTo(MemberIds.memberId(List.of("http://a:2380", "http://b:2380"), "t"));
  }
}
