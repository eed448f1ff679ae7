package dev.cairn.operator.member;

import java.util.List;
import java.util.Optional;

/**
 * The cluster as seen in one observation.
 *
 * @param reachable whether any member answered the member list call
 * @param clusterId the cluster id from the response header; 0 when unreachable
 * @param members every member in the member list; empty when unreachable
 */
public record ObservedCluster(boolean reachable, long clusterId, List<ObservedMember> members) {

  public ObservedCluster {
    members = List.copyOf(members);
  }

  /** Nothing answered. */
  public static ObservedCluster unreachable() {
    return new ObservedCluster(false, 0, List.of());
  }

  /**
   * The leader, if a majority of reachable voters agree on one that is a member. Members that did
   * not answer have no say; a leader id nobody else reports is a stale view.
   */
  public Optional<ObservedMember> leader() {
    List<ObservedMember> voters = members.stream().filter(m -> !m.learner()).toList();
    for (ObservedMember candidate : voters) {
      long agreeing =
          voters.stream().filter(m -> m.reachable() && m.leaderId() == candidate.id()).count();
      if (agreeing >= voters.size() / 2 + 1) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
