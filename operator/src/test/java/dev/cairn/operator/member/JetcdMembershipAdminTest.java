package dev.cairn.operator.member;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JetcdMembershipAdminTest {
  @Test
  void promoteRequestIsFieldOneAsAnUnsignedVarint() {
    assertThat(JetcdMembershipAdmin.promoteRequest(1)).containsExactly(0x08, 0x01);
    assertThat(JetcdMembershipAdmin.promoteRequest(300)).containsExactly(0x08, 0xAC, 0x02);
    // Member ids use all 64 bits: a negative long is a large uint64, ten bytes long.
    assertThat(JetcdMembershipAdmin.promoteRequest(-1L))
        .hasSize(11)
        .startsWith((byte) 0x08)
        .endsWith((byte) 0x01);
  }

  @Test
  void aMemberNotStartedYetIsNamedAfterItsPeerHost() {
    assertThat(JetcdMemberObserver.podName("example-3.example-peer.cairn.svc"))
        .isEqualTo("example-3");
    assertThat(JetcdMemberObserver.podName("localhost")).isEqualTo("localhost");
  }
}
