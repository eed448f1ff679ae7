package dev.cairn.operator.planning;

import java.util.List;

/**
 * A cluster as observed.
 *
 * @param members every member the cluster lists or that has a pod
 * @param leaderId the leader's member id, or 0 when there is none
 * @param nextOrdinal the ordinal the next new member gets: the lowest no member has. A member's
 *     volume goes with it when it is removed, so a new member of a reused ordinal starts empty
 * @param clusterName the StoreCluster's name, the prefix of member names
 */
public record Observed(List<Member> members, long leaderId, int nextOrdinal, String clusterName) {
  public Observed {
    members = List.copyOf(members);
  }

  /** The members that vote: every listed member that is no learner. */
  public List<Member> voters() {
    return members.stream().filter(m -> m.id() != 0 && !m.learner()).toList();
  }

  /** The name of the next member to add. */
  public String nextMemberName() {
    return clusterName + "-" + nextOrdinal;
  }
}
