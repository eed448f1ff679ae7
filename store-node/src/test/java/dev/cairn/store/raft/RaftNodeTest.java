package dev.cairn.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RaftNodeTest {
  /** A fresh single-voter node after bootstrap: entry 1 of term 1 in its log. */
  private static RaftNode bootstrapped() {
    return new RaftNode(
        1,
        new HardState(1, 0, 0),
        0,
        List.of(new Entry(1, 1, Entry.Type.CONF_CHANGE, new byte[0])),
        1,
        1);
  }

  @Test
  void aSingleVoterElectsItselfInANewTermAndAppendsAnEmptyEntry() {
    RaftNode n = bootstrapped();
    n.campaign();
    assertThat(n.role()).isEqualTo(RaftNode.Role.LEADER);
    assertThat(n.term()).isEqualTo(2);
    Ready rd = n.ready();
    assertThat(rd.hardState()).isEqualTo(new HardState(2, 1, 0));
    assertThat(rd.entries())
        .containsExactly(new Entry(2, 2, Entry.Type.NORMAL, rd.entries().get(0).data()));
    assertThat(rd.committed()).isEmpty();
  }

  @Test
  void entriesCommitOnlyOnceDurableAndAreHandedOutOnce() {
    RaftNode n = bootstrapped();
    n.campaign();
    n.advance(n.ready());
    n.propose("a".getBytes());
    n.propose("b".getBytes());
    Ready rd = n.ready();
    assertThat(rd.entries()).extracting(Entry::index).containsExactly(3L, 4L);
    assertThat(rd.committed()).isEmpty();
    n.advance(rd);

    n.persisted(4, 2);
    Ready commit = n.ready();
    assertThat(commit.committed()).extracting(Entry::index).containsExactly(1L, 2L, 3L, 4L);
    n.advance(commit);
    assertThat(n.hasReady()).isFalse();
  }

  @Test
  void entriesOfAnEarlierTermCommitOnlyWithOneOfTheCurrentTerm() {
    // Restarted with entries 2..3 of term 2 not yet applied; term 3 starts on campaign.
    RaftNode n =
        new RaftNode(
            1,
            new HardState(2, 1, 0),
            1,
            List.of(Entry.normal(2, 2, new byte[0]), Entry.normal(3, 2, "x".getBytes())),
            3,
            2);
    n.persisted(3, 2);
    assertThat(n.committed()).isEqualTo(1);
    n.campaign();
    n.advance(n.ready());
    n.persisted(4, 3);
    assertThat(n.committed()).isEqualTo(4);
    assertThat(n.ready().committed()).extracting(Entry::index).containsExactly(2L, 3L, 4L);
  }

  @Test
  void aFollowerRefusesProposals() {
    RaftNode n = bootstrapped();
    assertThatThrownBy(() -> n.propose("x".getBytes())).isInstanceOf(NotLeaderException.class);
  }
}
