package dev.cairn.store.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.proto.peer.RaftEntry;
import dev.cairn.proto.peer.RaftMessage;
import dev.cairn.store.raft.ConfState;
import dev.cairn.store.raft.Entry;
import dev.cairn.store.raft.Message;
import dev.cairn.store.raft.Snapshot;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MessageCodecTest {
  // Ids are unsigned 64-bit, so some have the top bit set.
  private static final long FROM = 0x8e9e05c52164694dL;
  private static final long TO = 0x2d0e1a1b7d3c5f01L;

  private static Message throughTheWire(Message m) throws Exception {
    return MessageCodec.decode(RaftMessage.parseFrom(MessageCodec.encode(m).toByteArray()));
  }

  @ParameterizedTest
  @EnumSource(Message.Type.class)
  void everyTypeWithEveryFieldSurvivesTheWire(Message.Type type) throws Exception {
    Message m =
        new Message(
            type,
            FROM,
            TO,
            7,
            6,
            41,
            List.of(
                Entry.normal(42, 7, new byte[] {1, 2, 3}),
                new Entry(43, 7, Entry.Type.CONF_CHANGE, new byte[] {9, 8}),
                Entry.normal(44, 7, new byte[0])),
            40,
            true,
            39,
            Message.TRANSFER_CONTEXT,
            new Snapshot(
                30, 5, new ConfState(Set.of(FROM, TO, 3L), Set.of(4L, -5L)), new byte[] {7, 7}));

    assertThat(throughTheWire(m)).usingRecursiveComparison().isEqualTo(m);
  }

  @Test
  void aMinimalMessageKeepsItsDefaults() throws Exception {
    Message m = Message.of(Message.Type.HEARTBEAT, 1, 2, 3);

    Message back = throughTheWire(m);

    assertThat(back).usingRecursiveComparison().isEqualTo(m);
    assertThat(back.snapshot()).isNull();
    assertThat(back.entries()).isEmpty();
    assertThat(back.context()).isSameAs(Message.NO_CONTEXT);
  }

  @Test
  void aSnapshotWithoutConfigurationOrDataSurvives() throws Exception {
    Message m =
        Message.of(Message.Type.SNAPSHOT, 1, 2, 3)
            .withSnapshot(new Snapshot(10, 2, null, new byte[0]));

    assertThat(throughTheWire(m)).usingRecursiveComparison().isEqualTo(m);
  }

  @Test
  void unknownTypesAreRefused() {
    RaftMessage noType = RaftMessage.newBuilder().setFrom(1).setTo(2).build();
    RaftMessage entryWithoutType =
        MessageCodec.encode(Message.of(Message.Type.APPEND, 1, 2, 1)).toBuilder()
            .addEntries(RaftEntry.newBuilder().setIndex(1).setTerm(1))
            .build();

    assertThatThrownBy(() -> MessageCodec.decode(noType))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MessageCodec.decode(entryWithoutType))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
