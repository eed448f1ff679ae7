package dev.cairn.store.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RaftSnapshotTest {
  @Test
  void aFollowerBehindTheCompactedLogCatchesUpFromASnapshot() {
    SimulatedCluster cluster = SimulatedCluster.builder().voters(3).build();
    cluster.campaign(1);
    cluster.stabilize();
    cluster.isolate(3);
    for (int i = 1; i <= 10; i++) {
      cluster.propose(1, "v" + i);
    }
    cluster.stabilize();
    cluster.compact(1);
    assertThat(cluster.node(1).storage.firstIndex()).isEqualTo(12);

    cluster.heal();
    cluster.tickUntil(() -> cluster.node(3).applied == 11, 100, "snapshot");
    assertThat(cluster.delivered(Message.Type.SNAPSHOT)).isEqualTo(1);
    assertThat(cluster.node(3).storage.snapshot().index()).isEqualTo(11);
    assertThat(cluster.node(3).chain).isEqualTo(cluster.node(1).chain);

    // It goes on from there like any follower.
    cluster.propose(1, "after the snapshot");
    cluster.stabilize();
    assertThat(cluster.applied(3)).containsExactly("after the snapshot");
    assertThat(cluster.node(3).storage.firstIndex()).isEqualTo(12);
  }

  @Test
  void aNodeRestartedFromItsSnapshotReappliesOnlyWhatFollowsIt() {
    SimulatedCluster cluster = SimulatedCluster.builder().voters(3).build();
    cluster.campaign(1);
    cluster.stabilize();
    cluster.propose(1, "a");
    cluster.stabilize();
    cluster.compact(2);
    cluster.propose(1, "b");
    cluster.stabilize();

    cluster.restart(2);
    cluster.tickUntil(() -> cluster.applied(2).contains("b"), 100, "re-applying");
    assertThat(cluster.applied(2)).containsExactly("b");
    assertThat(cluster.node(2).chain).isEqualTo(cluster.node(1).chain);
  }
}
