package dev.cairn.store.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RaftReplicationTest {
  @Test
  void aFollowersProposalIsForwardedToTheLeaderAndCommits() {
    SimulatedCluster cluster = SimulatedCluster.builder().voters(3).build();
    cluster.campaign(1);
    cluster.stabilize();

    assertThat(cluster.propose(2, "from a follower")).isZero();
    cluster.stabilize();

    for (long id : cluster.ids()) {
      assertThat(cluster.applied(id)).containsExactly("from a follower");
    }
  }

  @Test
  void entriesADeposedLeaderCouldNotReplicateAreOverwritten() {
    SimulatedCluster cluster = SimulatedCluster.builder().voters(3).build();
    cluster.campaign(1);
    cluster.stabilize();
    cluster.isolate(1);
    cluster.propose(1, "lost 1");
    cluster.propose(1, "lost 2");

    cluster.tickUntil(() -> cluster.leaderId() > 1, 1_000, "new leader among 2 and 3");
    long leader = cluster.leaderId();
    cluster.propose(leader, "kept");
    cluster.stabilize();
    cluster.heal();
    cluster.tickUntil(() -> cluster.applied(1).contains("kept"), 1_000, "node 1 catching up");

    assertThat(cluster.raft(1).leader()).isEqualTo(leader);
    assertThat(cluster.applied(1)).containsExactly("kept");
    assertThat(cluster.node(1).visibleLog().entries())
        .isEqualTo(cluster.node(leader).visibleLog().entries());
  }

  /**
   * Figure 8 of the Raft paper: an entry of an earlier term that sits on a majority is not
   * committed by counting replicas, since a later leader may still overwrite it. The paper's rules
   * apply as they are here: no pre-vote, no check-quorum, one entry per append.
   */
  @Test
  void anEntryOfAnEarlierTermOnAMajorityIsNotCommittedByCounting() {
    SimulatedCluster cluster =
        SimulatedCluster.builder()
            .voters(5)
            .preVote(false)
            .checkQuorum(false)
            .maxSizePerMsg(1)
            .build();
    cluster.campaign(1);
    cluster.stabilize();

    // (a) Leader 1 of term 1 replicates index 2 to node 2 only.
    cluster.partition(List.of(1L, 2L), List.of(3L, 4L, 5L));
    assertThat(cluster.propose(1, "xx")).isEqualTo(2);
    cluster.stabilize();

    // (b) Node 5 wins term 2 with votes from 3 and 4 and appends index 2 only to its own log.
    cluster.heal();
    cluster.isolate(1);
    cluster.isolate(2);
    cluster.campaign(5);
    cluster.deliverUntil(() -> cluster.raft(5).role() == RaftNode.Role.LEADER);
    cluster.isolate(5);
    cluster.stabilize();
    assertThat(cluster.raft(5).term()).isEqualTo(2);

    // (c) Node 1 restarts and wins term 3 with votes from 3 and 4; it brings them index 2 of term
    // 1, which is then on a majority (1, 2, 3, 4), but not yet its own entry of term 3.
    cluster.heal();
    cluster.isolate(2);
    cluster.isolate(5);
    cluster.restart(1);
    cluster.campaign(1); // rejected by 3 and 4, who voted in term 2; 1 learns that term
    cluster.stabilize();
    cluster.campaign(1);
    cluster.deliverUntil(
        () -> cluster.raft(1).matchIndex(3) >= 2 && cluster.raft(1).matchIndex(4) >= 2);
    assertThat(cluster.raft(1).term()).isEqualTo(3);
    assertThat(cluster.node(3).storage.term(2)).isEqualTo(1);
    assertThat(cluster.node(4).storage.term(2)).isEqualTo(1);
    assertThat(cluster.raft(1).committed()).isEqualTo(1);

    // (d) Node 1 crashes, and what it was sending is lost; node 5 can still win, since its last
    // term is the highest, and it overwrites index 2 everywhere. Had index 2 counted as committed,
    // it would now be lost.
    cluster.isolate(1);
    cluster.stabilize();
    cluster.crash(1);
    cluster.heal();
    cluster.restart(5);
    cluster.campaign(5);
    cluster.stabilize();
    cluster.campaign(5);
    cluster.stabilize();
    assertThat(cluster.leaderId()).isEqualTo(5);
    for (long id : List.of(2L, 3L, 4L, 5L)) {
      assertThat(cluster.node(id).storage.term(2)).isEqualTo(2);
      assertThat(cluster.applied(id)).doesNotContain("xx");
    }
  }

  @Test
  void aLeaderKeepsAtMostMaxInflightAppendsUnacknowledged() {
    SimulatedCluster cluster =
        SimulatedCluster.builder().voters(3).maxInflight(2).maxSizePerMsg(1).build();
    cluster.campaign(1);
    cluster.stabilize();

    for (int i = 1; i <= 5; i++) {
      cluster.propose(1, "v" + i);
    }
    assertThat(appendsWithEntriesTo(cluster, 2)).isEqualTo(2);

    // Acknowledgements let more through, never more than two at a time.
    while (!cluster.inFlight().isEmpty()) {
      cluster.deliver(0);
      assertThat(appendsWithEntriesTo(cluster, 2)).isLessThanOrEqualTo(2);
    }
    assertThat(cluster.applied(2)).containsExactly("v1", "v2", "v3", "v4", "v5");
  }

  private static long appendsWithEntriesTo(SimulatedCluster cluster, long to) {
    return cluster.inFlight().stream()
        .filter(m -> m.type() == Message.Type.APPEND && m.to() == to && !m.entries().isEmpty())
        .count();
  }
}
