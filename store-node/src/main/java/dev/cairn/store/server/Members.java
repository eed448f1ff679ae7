package dev.cairn.store.server;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.store.membership.Member;
import dev.cairn.store.raft.ConfState;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The members as of the applied index: what the configuration changes applied so far say.
 *
 * <p>Threading: written by the apply thread, read by any.
 */
final class Members {
  private final long self;
  private final Map<Long, Member> byId = new ConcurrentSkipListMap<>(Long::compareUnsigned);

  Members(long self, Map<Long, byte[]> stored) {
    this.self = self;
    stored.forEach(this::put);
  }

  /** Records a member from the description its configuration change carried. */
  Member put(long id, byte[] description) {
    Member m;
    try {
      m = Member.fromProto(dev.cairn.proto.internal.Member.parseFrom(description));
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new IllegalStateException("member " + Long.toHexString(id) + " is unreadable", e);
    }
    byId.put(id, m);
    return m;
  }

  void remove(long id) {
    byId.remove(id);
  }

  List<Member> all() {
    return List.copyOf(byId.values());
  }

  ConfState confState() {
    Set<Long> voters = new HashSet<>();
    Set<Long> learners = new HashSet<>();
    for (Member m : byId.values()) {
      (m.isLearner() ? learners : voters).add(m.id());
    }
    return new ConfState(voters, learners);
  }

  boolean isSelfOnlyVoter() {
    return confState().voters().equals(Set.of(self));
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("[");
    for (Member m : byId.values()) {
      if (b.length() > 1) {
        b.append(", ");
      }
      b.append(m.idHex()).append(m.isLearner() ? " (learner)" : "");
    }
    return b.append(']').toString();
  }
}
