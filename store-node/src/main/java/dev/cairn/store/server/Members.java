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
    Member m = parse(id, description);
    byId.put(id, m);
    return m;
  }

  private static Member parse(long id, byte[] description) {
    try {
      return Member.fromProto(dev.cairn.proto.internal.Member.parseFrom(description));
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new IllegalStateException("member " + Long.toHexString(id) + " is unreadable", e);
    }
  }

  /**
   * Applies an update of a member: its peer URLs, and its name and client URLs when the update
   * carries a name (a member publishing itself). Whether it is a learner only ever changes by
   * promotion, so an update made from an older view cannot undo one.
   *
   * @return the member as it now is, or null when it is not a member
   */
  Member update(long id, byte[] description) {
    Member current = byId.get(id);
    if (current == null) {
      return null;
    }
    Member u = parse(id, description);
    boolean published = !u.name().isEmpty();
    Member m =
        new Member(
            id,
            published ? u.name() : current.name(),
            u.peerUrls(),
            published ? u.clientUrls() : current.clientUrls(),
            current.isLearner());
    byId.put(id, m);
    return m;
  }

  void remove(long id) {
    byId.remove(id);
  }

  /** Replaces every member by those a snapshot's key space records. */
  void reload(Map<Long, byte[]> stored) {
    byId.clear();
    stored.forEach(this::put);
  }

  Member get(long id) {
    return byId.get(id);
  }

  boolean contains(long id) {
    return byId.containsKey(id);
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
