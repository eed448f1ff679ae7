package dev.cairn.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RaftLeadershipTransferTest {
  private final SimulatedCluster cluster = SimulatedCluster.builder().voters(3).build();

  @Test
  void anUpToDateFollowerIsToldToCampaignAtOnceAndWins() {
    cluster.campaign(1);
    cluster.stabilize();

    cluster.transferLeadership(1, 2);
    assertThat(cluster.inFlight())
        .anyMatch(m -> m.type() == Message.Type.TIMEOUT_NOW && m.to() == 2);
    cluster.stabilize();

    assertThat(cluster.leaderId()).isEqualTo(2);
    assertThat(cluster.raft(2).term()).isEqualTo(2);
    assertThat(cluster.raft(1).leader()).isEqualTo(2);
  }

  @Test
  void aLaggingFollowerIsBroughtUpToDateBeforeItIsToldToCampaign() {
    cluster.campaign(1);
    cluster.stabilize();
    cluster.isolate(3);
    cluster.propose(1, "a");
    cluster.propose(1, "b");
    cluster.stabilize();
    cluster.heal();

    cluster.transferLeadership(1, 3);
    assertThat(cluster.inFlight())
        .noneMatch(m -> m.type() == Message.Type.TIMEOUT_NOW)
        .anyMatch(m -> m.type() == Message.Type.APPEND && m.to() == 3);
    assertThatThrownBy(() -> cluster.propose(1, "during the transfer"))
        .isInstanceOf(NotLeaderException.class);

    cluster.stabilize();
    assertThat(cluster.leaderId()).isEqualTo(3);
    assertThat(cluster.applied(3)).containsExactly("a", "b");
  }
}
