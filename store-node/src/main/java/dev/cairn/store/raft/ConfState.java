package dev.cairn.store.raft;

import java.util.Set;

/** The members of a configuration: voters decide, learners only receive the log. */
public record ConfState(Set<Long> voters, Set<Long> learners) {
  public ConfState {
    voters = Set.copyOf(voters);
    learners = Set.copyOf(learners);
  }

  public static ConfState ofVoters(Set<Long> voters) {
    return new ConfState(voters, Set.of());
  }

  public boolean contains(long id) {
    return voters.contains(id) || learners.contains(id);
  }
}
