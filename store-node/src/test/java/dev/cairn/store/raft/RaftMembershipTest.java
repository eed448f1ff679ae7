package dev.cairn.store.raft;

import static dev.cairn.store.raft.RaftNode.Role.FOLLOWER;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RaftMembershipTest {
  private static ConfChange change(ConfChange.Type type, long id) {
    return new ConfChange(type, id, new byte[0]);
  }

  @Test
  void aLearnerReceivesTheLogButNeitherVotesNorCountsForCommit() {
    SimulatedCluster cluster = SimulatedCluster.builder().voters(3).learners(1).build();
    cluster.campaign(1);
    cluster.stabilize();
    cluster.propose(1, "a");
    cluster.stabilize();
    assertThat(cluster.applied(4)).containsExactly("a");

    // With the other voters cut off, the learner's copy does not make "b" committed.
    cluster.partition(List.of(1L, 4L), List.of(2L, 3L));
    cluster.propose(1, "b");
    cluster.stabilize();
    assertThat(cluster.raft(1).matchIndex(4)).isEqualTo(3);
    assertThat(cluster.raft(1).committed()).isEqualTo(2);

    // Cut off from everyone, the learner never campaigns; candidates do not ask it for votes.
    cluster.heal();
    cluster.isolate(4);
    for (int i = 0; i < 100; i++) {
      cluster.tick(4);
      assertThat(cluster.raft(4).role()).isEqualTo(FOLLOWER);
    }
    cluster.heal();
    cluster.campaign(2);
    assertThat(cluster.inFlight())
        .filteredOn(m -> m.type() == Message.Type.PRE_VOTE)
        .extracting(Message::to)
        .containsExactlyInAnyOrder(1L, 3L);
  }

  @Test
  void addingAVoterRaisesTheQuorumAndRemovingOneLowersIt() {
    SimulatedCluster cluster = SimulatedCluster.builder().voters(3).spares(1).build();
    cluster.campaign(1);
    cluster.stabilize();

    cluster.proposeConfChange(1, change(ConfChange.Type.ADD_NODE, 4));
    cluster.stabilize();
    assertThat(cluster.raft(1).confState().voters()).isEqualTo(Set.of(1L, 2L, 3L, 4L));
    cluster.tickUntil(() -> cluster.node(4).conf.voters().contains(4L), 10, "node 4 joining");

    // Three of four are needed now: 1 and 2 alone cannot commit.
    cluster.partition(List.of(1L, 2L), List.of(3L, 4L));
    cluster.propose(1, "needs three");
    cluster.stabilize();
    assertThat(cluster.applied(1)).isEmpty();
    cluster.heal();
    cluster.tickUntil(() -> cluster.applied(4).contains("needs three"), 100, "commit");

    cluster.proposeConfChange(1, change(ConfChange.Type.REMOVE_NODE, 4));
    cluster.stabilize();
    assertThat(cluster.raft(1).confState().voters()).isEqualTo(Set.of(1L, 2L, 3L));

    // Two of three suffice again.
    cluster.partition(List.of(1L, 2L), List.of(3L, 4L));
    cluster.propose(1, "two suffice");
    cluster.stabilize();
    assertThat(cluster.applied(1)).containsExactly("needs three", "two suffice");
  }

  @Test
  void aRemovedLeaderStepsDownAndTheOthersElectANewOne() {
    SimulatedCluster cluster = SimulatedCluster.builder().voters(3).build();
    cluster.campaign(1);
    cluster.stabilize();

    cluster.proposeConfChange(1, change(ConfChange.Type.REMOVE_NODE, 1));
    cluster.stabilize();
    assertThat(cluster.raft(1).role()).isEqualTo(FOLLOWER);

    long leader = cluster.awaitLeader();
    assertThat(leader).isIn(2L, 3L);
    assertThat(cluster.raft(leader).confState().voters()).isEqualTo(Set.of(2L, 3L));
    cluster.propose(leader, "without 1");
    cluster.stabilize();
    assertThat(cluster.applied(2)).containsExactly("without 1");
    assertThat(cluster.applied(3)).containsExactly("without 1");
  }

  @Test
  void aNewLearnerWhoseFirstProbeIsLostCatchesUpWithoutNewProposals() {
    SimulatedCluster cluster = SimulatedCluster.builder().voters(3).spares(1).build();
    cluster.campaign(1);
    cluster.stabilize();
    cluster.propose(1, "a");
    cluster.stabilize();

    cluster.blockOneWay(1, 4);
    cluster.proposeConfChange(1, change(ConfChange.Type.ADD_LEARNER, 4));
    cluster.stabilize();
    cluster.heal();

    // Heartbeats alone must make the leader probe again.
    cluster.tickUntil(() -> cluster.applied(4).contains("a"), 100, "learner catching up");
    assertThat(cluster.node(4).conf.learners()).containsExactly(4L);
  }
}
