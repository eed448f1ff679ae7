package dev.cairn.store.raft;

import static dev.cairn.store.raft.RaftNode.Role.CANDIDATE;
import static dev.cairn.store.raft.RaftNode.Role.FOLLOWER;
import static dev.cairn.store.raft.RaftNode.Role.LEADER;
import static dev.cairn.store.raft.RaftNode.Role.PRE_CANDIDATE;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RaftElectionTest {
  private static final int ELECTION_TICK = 10;

  private final SimulatedCluster cluster =
      SimulatedCluster.builder().voters(3).electionTick(ELECTION_TICK).build();

  @Test
  void aCandidateWinsAPreVoteBeforeItRaisesAnyTerm() {
    cluster.campaign(1);
    assertThat(cluster.raft(1).role()).isEqualTo(PRE_CANDIDATE);
    assertThat(cluster.raft(1).term()).isZero();
    assertThat(cluster.inFlight()).extracting(Message::type).containsOnly(Message.Type.PRE_VOTE);

    cluster.deliverUntil(() -> cluster.raft(1).role() == CANDIDATE);
    assertThat(cluster.raft(1).term()).isEqualTo(1);
    assertThat(cluster.raft(2).term()).isZero();
    assertThat(cluster.raft(3).term()).isZero();

    cluster.stabilize();
    assertThat(cluster.leaderId()).isEqualTo(1);
    for (long id : cluster.ids()) {
      assertThat(cluster.raft(id).term()).isEqualTo(1);
      assertThat(cluster.raft(id).leader()).isEqualTo(1);
    }
  }

  @Test
  void aPartitionedNodeThatRejoinsDoesNotDeposeTheLeader() {
    cluster.campaign(1);
    cluster.stabilize();
    cluster.isolate(3);
    for (int i = 0; i < 10 * ELECTION_TICK; i++) {
      cluster.tickAll();
      cluster.stabilize();
    }
    // Its pre-votes went nowhere, so its term did not move either.
    assertThat(cluster.raft(3).term()).isEqualTo(1);

    cluster.heal();
    cluster.campaign(3); // as if its election timer fired the moment it is back
    for (int i = 0; i < 3 * ELECTION_TICK; i++) {
      cluster.tickAll();
      cluster.stabilize();
    }
    assertThat(cluster.leaderId()).isEqualTo(1);
    assertThat(cluster.raft(1).term()).isEqualTo(1);
    assertThat(cluster.raft(3).leader()).isEqualTo(1);
  }

  @Test
  void aLeaderCutOffFromTheQuorumStepsDownWithinTwoElectionTimeouts() {
    cluster.campaign(1);
    cluster.stabilize();
    cluster.isolate(1);
    int ticks = 0;
    while (cluster.raft(1).role() == LEADER && ticks <= 2 * ELECTION_TICK) {
      cluster.tick(1);
      ticks++;
    }
    // The first check may still count answers from before the partition; the second cannot.
    assertThat(cluster.raft(1).role()).isEqualTo(FOLLOWER);
    assertThat(ticks).isBetween(ELECTION_TICK, 2 * ELECTION_TICK);

    long newLeader = cluster.awaitLeader();
    assertThat(newLeader).isIn(2L, 3L);
    assertThat(cluster.raft(newLeader).term()).isEqualTo(2);
  }

  @Test
  void voteRequestsAreIgnoredWhileALeaderIsHeardFrom() {
    cluster.campaign(1);
    cluster.stabilize();
    // A follower that campaigns while the others still hear from leader 1 gets no votes.
    cluster.campaign(2);
    cluster.stabilize();
    assertThat(cluster.leaderId()).isEqualTo(1);
    assertThat(cluster.raft(1).term()).isEqualTo(1);
  }
}
