package dev.cairn.store.transport;

import dev.cairn.store.membership.Member;
import java.util.List;

/** A running cluster's id and members, as one of its members answered. */
public record ClusterMembers(long clusterId, List<Member> members) {
  public ClusterMembers {
    members = List.copyOf(members);
  }
}
