package dev.cairn.store.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** One {@link RaftNode} driven by hand: its Ready contract and single-message behaviour. */
class RaftNodeTest {
  private final MemoryStorage storage = new MemoryStorage();

  private RaftNode node(long id, Set<Long> voters, Set<Long> learners) {
    return new RaftNode(
        RaftConfig.defaults(id),
        storage,
        HardState.EMPTY,
        new ConfState(voters, learners),
        0,
        new SplittableRandom(7));
  }

  /** Does what the caller of a Ready does, with a write that completes at once. */
  private Ready handle(RaftNode n) {
    Ready rd = n.ready();
    if (rd.snapshot() != null) {
      storage.applySnapshot(rd.snapshot());
    }
    storage.append(rd.entries());
    if (!rd.entries().isEmpty()) {
      Entry last = rd.entries().get(rd.entries().size() - 1);
      n.persisted(last.index(), last.term());
    } else if (rd.snapshot() != null) {
      n.persisted(rd.snapshot().index(), rd.snapshot().term());
    }
    return rd;
  }

  @Test
  void aSingleVoterElectsItselfInANewTermAndAppendsAnEmptyEntry() {
    RaftNode n = node(1, Set.of(1L), Set.of());
    n.campaign();
    assertThat(n.role()).isEqualTo(RaftNode.Role.LEADER);
    assertThat(n.term()).isEqualTo(1);
    Ready rd = n.ready();
    assertThat(rd.hardState()).isEqualTo(new HardState(1, 1, 0));
    assertThat(rd.entries()).extracting(Entry::index, Entry::term).containsExactly(tuple(1L, 1L));
    assertThat(rd.committed()).isEmpty();
  }

  @Test
  void entriesCommitOnlyOnceStoredAndAreHandedOutOnce() {
    RaftNode n = node(1, Set.of(1L), Set.of());
    n.campaign();
    handle(n);
    n.propose("a".getBytes(UTF_8));
    n.propose("b".getBytes(UTF_8));
    Ready rd = n.ready();
    assertThat(rd.entries()).extracting(Entry::index).containsExactly(2L, 3L);
    assertThat(rd.committed()).extracting(Entry::index).containsExactly(1L);
    assertThat(n.committed()).isEqualTo(1);

    storage.append(rd.entries());
    n.persisted(3, 1);
    assertThat(n.ready().committed()).extracting(Entry::index).containsExactly(2L, 3L);
    assertThat(n.hasReady()).isFalse();
  }

  @Test
  void aFollowerThatKnowsNoLeaderRefusesProposals() {
    RaftNode n = node(1, Set.of(1L, 2L, 3L), Set.of());
    assertThatThrownBy(() -> n.propose("x".getBytes(UTF_8))).isInstanceOf(NotLeaderException.class);
  }

  @Test
  void aSingleVoterSendsNothingUntilItsNewTermIsStored() {
    // Learner 2 must not receive entries of term 1 that a crash could make node 1 reissue
    // differently: node 1 elected itself without anyone waiting for its term to be stored.
    RaftNode n = node(1, Set.of(1L), Set.of(2L));
    n.campaign();
    n.propose("a".getBytes(UTF_8));
    n.step(Message.of(Message.Type.HEARTBEAT_RESPONSE, 2, 1, 1));
    Ready rd = n.ready();
    assertThat(rd.messages()).isEmpty();
    assertThat(rd.messagesAfterPersist()).isNotEmpty();

    storage.append(rd.entries());
    n.persisted(2, 1);
    n.step(Message.of(Message.Type.HEARTBEAT_RESPONSE, 2, 1, 1));
    assertThat(n.ready().messages()).extracting(Message::type).contains(Message.Type.APPEND);
  }

  @Test
  void aSnapshotStoredTogetherWithTheEntriesAfterItIsAcknowledgedByThoseEntries() {
    RaftNode n = node(2, Set.of(1L, 2L, 3L), Set.of());
    Snapshot snap = new Snapshot(10, 1, ConfState.ofVoters(Set.of(1L, 2L, 3L)), new byte[0]);
    n.step(Message.of(Message.Type.SNAPSHOT, 1, 2, 1).withSnapshot(snap));
    n.step(
        Message.of(Message.Type.APPEND, 1, 2, 1)
            .withLog(1, 10)
            .withEntries(List.of(Entry.normal(11, 1, "x".getBytes(UTF_8))))
            .withCommit(10));

    // One write holds the snapshot and entry 11, and is acknowledged as persisted(11, 1).
    Ready rd = handle(n);
    assertThat(rd.snapshot()).isEqualTo(snap);
    assertThat(rd.entries()).extracting(Entry::index).containsExactly(11L);

    n.step(Message.of(Message.Type.HEARTBEAT, 1, 2, 1).withCommit(11));
    assertThat(n.lastIndex()).isEqualTo(11);
    assertThat(n.ready().committed()).extracting(Entry::index).containsExactly(11L);
  }

  @Test
  void aCandidateOfAStaleTermIsToldTheCurrentOne() {
    RaftNode n = node(1, Set.of(1L, 2L, 3L), Set.of());
    n.step(Message.of(Message.Type.HEARTBEAT, 2, 1, 5));
    handle(n);

    n.step(Message.of(Message.Type.VOTE, 3, 1, 3).withLog(1, 100));
    Ready rd = n.ready();
    assertThat(rd.messagesAfterPersist())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.type()).isEqualTo(Message.Type.VOTE_RESPONSE);
              assertThat(m.reject()).isTrue();
              assertThat(m.term()).isEqualTo(5);
            });
  }
}
