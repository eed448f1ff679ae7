package dev.cairn.store.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class RaftReadIndexTest {
  private final SimulatedCluster cluster = SimulatedCluster.builder().voters(3).build();

  private void electOneAndCommit(String value) {
    cluster.campaign(1);
    cluster.stabilize();
    cluster.propose(1, value);
    cluster.stabilize();
  }

  @Test
  void aLeaderAnswersAReadOnceAQuorumConfirmsItStillLeads() {
    electOneAndCommit("a");

    byte[] ctx = cluster.readIndex(1);
    assertThat(cluster.readStates(1)).isEmpty();
    assertThat(cluster.inFlight())
        .filteredOn(m -> m.type() == Message.Type.HEARTBEAT)
        .extracting(Message::context)
        .containsExactly(ctx, ctx);

    cluster.stabilize();
    assertThat(cluster.readStates(1))
        .singleElement()
        .satisfies(
            rs -> {
              assertThat(rs.context()).isEqualTo(ctx);
              assertThat(rs.index()).isEqualTo(cluster.raft(1).committed()).isEqualTo(2);
            });
  }

  @Test
  void aFollowerGetsTheLeadersCommitIndex() {
    electOneAndCommit("a");

    byte[] ctx = cluster.readIndex(2);
    cluster.stabilize();
    assertThat(cluster.readStates(2))
        .singleElement()
        .satisfies(
            rs -> {
              assertThat(rs.context()).isEqualTo(ctx);
              assertThat(rs.index()).isEqualTo(2);
            });
  }

  @Test
  void aNewLeaderAnswersReadsOnlyAfterItCommitsAnEntryOfItsTerm() {
    electOneAndCommit("a");
    cluster.isolate(1);
    while (cluster.leaderId() <= 1) {
      cluster.tickAll();
      cluster.deliverUntil(() -> cluster.leaderId() > 1);
    }
    long leader = cluster.leaderId();
    long follower = leader == 2 ? 3 : 2;
    cluster.deliverUntil(() -> cluster.raft(follower).leader() == leader);
    // The follower's acknowledgement is lost: the leader's first entry (index 3) cannot commit.
    cluster.drop(indexOf(m -> m.type() == Message.Type.APPEND_RESPONSE && m.from() == follower));

    cluster.readIndex(leader);
    cluster.readIndex(follower);
    cluster.stabilize();
    assertThat(cluster.raft(leader).committed()).isEqualTo(2);
    assertThat(cluster.readStates(leader)).isEmpty();
    assertThat(cluster.readStates(follower)).isEmpty();

    cluster.heal();
    cluster.tickUntil(
        () -> !cluster.readStates(leader).isEmpty() && !cluster.readStates(follower).isEmpty(),
        100,
        "read answers");
    assertThat(cluster.readStates(leader))
        .singleElement()
        .extracting(ReadState::index)
        .isEqualTo(3L);
    assertThat(cluster.readStates(follower))
        .singleElement()
        .extracting(ReadState::index)
        .isEqualTo(3L);
  }

  private int indexOf(Predicate<Message> p) {
    List<Message> wire = cluster.inFlight();
    for (int i = 0; i < wire.size(); i++) {
      if (p.test(wire.get(i))) {
        return i;
      }
    }
    throw new AssertionError("no such message in flight: " + wire);
  }

  @Test
  void manyReadsDoNotMakeTheLeaderResendALaggingFollowerItsEntriesOnEveryHeartbeat() {
    electOneAndCommit("a");
    cluster.isolate(3);
    cluster.propose(1, "b");
    cluster.stabilize();
    cluster.heal();
    assertThat(cluster.raft(3).lastIndex()).isLessThan(cluster.raft(1).lastIndex());

    // Five reads: five heartbeat rounds of their own, answered by the lagging follower too.
    for (int i = 0; i < 5; i++) {
      cluster.readIndex(1);
    }
    Predicate<Message> heartbeatTraffic =
        m -> m.type() == Message.Type.HEARTBEAT || m.type() == Message.Type.HEARTBEAT_RESPONSE;
    while (cluster.inFlight().stream().anyMatch(heartbeatTraffic)) {
      cluster.deliver(indexOf(heartbeatTraffic));
    }
    assertThat(cluster.inFlight())
        .filteredOn(m -> m.type() == Message.Type.APPEND && m.from() == 1 && m.to() == 3)
        .as("appends to the lagging follower")
        .hasSize(1);

    cluster.stabilize();
    assertThat(cluster.raft(3).lastIndex()).isEqualTo(cluster.raft(1).lastIndex());
    assertThat(cluster.readStates(1)).hasSize(5);
  }
}
