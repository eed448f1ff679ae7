package dev.cairn.store.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.cairn.proto.peer.RaftConfState;
import dev.cairn.proto.peer.RaftEntry;
import dev.cairn.proto.peer.RaftMessage;
import dev.cairn.proto.peer.RaftSnapshot;
import dev.cairn.store.raft.ConfState;
import dev.cairn.store.raft.Entry;
import dev.cairn.store.raft.Message;
import dev.cairn.store.raft.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Converts Raft messages to and from their wire form ({@code cairn/peer.proto}). */
public final class MessageCodec {
  private MessageCodec() {}

  public static RaftMessage encode(Message m) {
    RaftMessage.Builder b =
        RaftMessage.newBuilder()
            .setType(encode(m.type()))
            .setFrom(m.from())
            .setTo(m.to())
            .setTerm(m.term())
            .setLogTerm(m.logTerm())
            .setIndex(m.index())
            .setCommit(m.commit())
            .setReject(m.reject())
            .setRejectHint(m.rejectHint())
            .setContext(wrap(m.context()));
    for (Entry e : m.entries()) {
      b.addEntries(encode(e));
    }
    if (m.snapshot() != null) {
      b.setSnapshot(encode(m.snapshot()));
    }
    return b.build();
  }

  /**
   * @throws IllegalArgumentException if the message or one of its entries has no known type
   */
  public static Message decode(RaftMessage p) {
    List<Entry> entries = new ArrayList<>(p.getEntriesCount());
    for (RaftEntry e : p.getEntriesList()) {
      entries.add(decode(e));
    }
    return new Message(
        decode(p.getType()),
        p.getFrom(),
        p.getTo(),
        p.getTerm(),
        p.getLogTerm(),
        p.getIndex(),
        List.copyOf(entries),
        p.getCommit(),
        p.getReject(),
        p.getRejectHint(),
        p.getContext().isEmpty() ? Message.NO_CONTEXT : p.getContext().toByteArray(),
        p.hasSnapshot() ? decode(p.getSnapshot()) : null);
  }

  private static RaftEntry encode(Entry e) {
    return RaftEntry.newBuilder()
        .setIndex(e.index())
        .setTerm(e.term())
        .setType(
            switch (e.type()) {
              case NORMAL -> RaftEntry.Type.NORMAL;
              case CONF_CHANGE -> RaftEntry.Type.CONF_CHANGE;
            })
        .setData(wrap(e.data()))
        .build();
  }

  private static Entry decode(RaftEntry e) {
    Entry.Type type =
        switch (e.getType()) {
          case NORMAL -> Entry.Type.NORMAL;
          case CONF_CHANGE -> Entry.Type.CONF_CHANGE;
          default -> throw new IllegalArgumentException("entry of unknown type " + e.getType());
        };
    return new Entry(e.getIndex(), e.getTerm(), type, e.getData().toByteArray());
  }

  private static RaftSnapshot encode(Snapshot s) {
    RaftSnapshot.Builder b =
        RaftSnapshot.newBuilder().setIndex(s.index()).setTerm(s.term()).setData(wrap(s.data()));
    if (s.conf() != null) {
      b.setConf(
          RaftConfState.newBuilder()
              .addAllVoters(s.conf().voters())
              .addAllLearners(s.conf().learners()));
    }
    return b.build();
  }

  private static Snapshot decode(RaftSnapshot s) {
    ConfState conf =
        s.hasConf()
            ? new ConfState(
                Set.copyOf(s.getConf().getVotersList()), Set.copyOf(s.getConf().getLearnersList()))
            : null;
    return new Snapshot(s.getIndex(), s.getTerm(), conf, s.getData().toByteArray());
  }

  private static RaftMessage.Type encode(Message.Type t) {
    return switch (t) {
      case APPEND -> RaftMessage.Type.APPEND;
      case APPEND_RESPONSE -> RaftMessage.Type.APPEND_RESPONSE;
      case HEARTBEAT -> RaftMessage.Type.HEARTBEAT;
      case HEARTBEAT_RESPONSE -> RaftMessage.Type.HEARTBEAT_RESPONSE;
      case VOTE -> RaftMessage.Type.VOTE;
      case VOTE_RESPONSE -> RaftMessage.Type.VOTE_RESPONSE;
      case PRE_VOTE -> RaftMessage.Type.PRE_VOTE;
      case PRE_VOTE_RESPONSE -> RaftMessage.Type.PRE_VOTE_RESPONSE;
      case PROPOSE -> RaftMessage.Type.PROPOSE;
      case READ_INDEX -> RaftMessage.Type.READ_INDEX;
      case READ_INDEX_RESPONSE -> RaftMessage.Type.READ_INDEX_RESPONSE;
      case SNAPSHOT -> RaftMessage.Type.SNAPSHOT;
      case TIMEOUT_NOW -> RaftMessage.Type.TIMEOUT_NOW;
    };
  }

  private static Message.Type decode(RaftMessage.Type t) {
    return switch (t) {
      case APPEND -> Message.Type.APPEND;
      case APPEND_RESPONSE -> Message.Type.APPEND_RESPONSE;
      case HEARTBEAT -> Message.Type.HEARTBEAT;
      case HEARTBEAT_RESPONSE -> Message.Type.HEARTBEAT_RESPONSE;
      case VOTE -> Message.Type.VOTE;
      case VOTE_RESPONSE -> Message.Type.VOTE_RESPONSE;
      case PRE_VOTE -> Message.Type.PRE_VOTE;
      case PRE_VOTE_RESPONSE -> Message.Type.PRE_VOTE_RESPONSE;
      case PROPOSE -> Message.Type.PROPOSE;
      case READ_INDEX -> Message.Type.READ_INDEX;
      case READ_INDEX_RESPONSE -> Message.Type.READ_INDEX_RESPONSE;
      case SNAPSHOT -> Message.Type.SNAPSHOT;
      case TIMEOUT_NOW -> Message.Type.TIMEOUT_NOW;
      case TYPE_UNSPECIFIED, UNRECOGNIZED ->
          throw new IllegalArgumentException("message of unknown type " + t);
    };
  }

  // Encoding happens on the sender thread just before the write, and Raft never mutates the arrays
  // of a message it has handed out, so there is no need to copy them.
  private static ByteString wrap(byte[] b) {
    return b == null || b.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(b);
  }
}
