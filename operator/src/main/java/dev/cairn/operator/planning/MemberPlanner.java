package dev.cairn.operator.planning;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The membership plan: from what is observed of a cluster's members and what its spec asks for, the
 * one next step to take, or none. Pure: the reconciler observes, asks, carries the step out, and
 * asks again once it has taken effect; one disruptive step at a time, each gated on quorum.
 *
 * <p>The order of concerns: never act without quorum; finish what is half done (a learner to
 * promote, a member to start); stop a rollout at a member that fails on the new template; restart a
 * member that is down on an old template; replace a member that is gone for good; then scale, one
 * member at a time; then upgrade, followers first and the leader last.
 */
public final class MemberPlanner {
  /** The reason of a removal that shrinks the cluster, as opposed to one that replaces a member. */
  public static final String SCALE_DOWN = "scale down";

  private MemberPlanner() {}

  /** The next step for {@code observed} to become {@code desired}. */
  public static Step next(Observed observed, Desired desired) {
    if (desired.paused()) {
      return new Step.Wait("paused");
    }
    List<Member> voters = observed.voters();
    long healthyVoters = voters.stream().filter(Member::healthy).count();
    int quorum = quorum(voters.size());
    if (!voters.isEmpty() && healthyVoters < quorum) {
      return new Step.QuorumLost(healthyVoters, voters.size());
    }

    // A learner is always the second half of a step begun earlier: promote it once caught up.
    Optional<Member> learner = observed.members().stream().filter(Member::learner).findFirst();
    if (learner.isPresent()) {
      Member l = learner.get();
      if (l.volumeLost() || (!l.healthy() && overdue(l, desired))) {
        return new Step.Remove(l.name(), "learner never caught up");
      }
      return l.healthy() && l.caughtUp()
          ? new Step.Promote(l.name())
          : new Step.Wait("learner " + l.name() + " catching up");
    }

    // A member whose pod is gone is brought back with its identity and volume.
    for (Member m : observed.members()) {
      if (!m.podExists() && !m.volumeLost()) {
        return new Step.StartPod(m.name());
      }
    }

    // A member failing on a new pod template is the rollout's failure, not the member's: a fresh
    // volume would fail the same way. The rollout stops there and waits for the user.
    boolean rollingOut =
        observed.members().stream().anyMatch(m -> !m.version().equals(desired.version()));
    if (rollingOut) {
      Optional<Member> failed =
          observed.members().stream()
              .filter(m -> !m.healthy() && !m.volumeLost())
              .filter(m -> m.version().equals(desired.version()))
              .findFirst();
      if (failed.isPresent()) {
        return new Step.Wait(
            "rollout stopped: " + failed.get().name() + " is unhealthy on the new pod template");
      }
    }

    // A member down on an outdated template is restarted on the desired one: it serves nothing
    // now, so this costs no availability, and it is how a rollback reaches a member that failed.
    for (Member m : observed.members()) {
      if (!m.healthy() && !m.volumeLost() && !m.version().equals(desired.version())) {
        return new Step.Upgrade(m.name(), desired.version());
      }
    }

    // A member gone for good (its volume lost, or unhealthy past the deadline) is replaced: removed
    // first, so that its place never counts against quorum, then added anew as a learner.
    for (Member m : observed.members()) {
      boolean lost = m.volumeLost();
      boolean stuck = !m.healthy() && overdue(m, desired);
      if (lost || stuck) {
        int after = voters.size() - 1;
        long healthyAfter = healthyVoters - (m.healthy() ? 1 : 0);
        if (after == 0 || healthyAfter < quorum(after)) {
          return new Step.Wait("replacing " + m.name() + " would endanger quorum");
        }
        if (m.id() == observed.leaderId()) {
          return moveLeaderAway(observed, m);
        }
        return new Step.Remove(m.name(), lost ? "volume lost" : "unhealthy too long");
      }
    }

    // Every further step changes a healthy cluster, and waits until it is one.
    Optional<Member> unhealthy = observed.members().stream().filter(m -> !m.healthy()).findFirst();
    if (unhealthy.isPresent()) {
      return new Step.Wait("member " + unhealthy.get().name() + " unhealthy");
    }
    if (observed.leaderId() == 0) {
      return new Step.Wait("no leader");
    }

    int size = observed.members().size();
    if (size < desired.replicas()) {
      return new Step.AddLearner(observed.nextMemberName());
    }
    if (size > desired.replicas()) {
      Member last =
          observed.members().stream().max(Comparator.comparingInt(Member::ordinal)).orElseThrow();
      if (last.id() == observed.leaderId()) {
        return moveLeaderAway(observed, last);
      }
      return new Step.Remove(last.name(), SCALE_DOWN);
    }

    // Upgrade: followers first, highest ordinal first; the leader last, after leadership moves.
    List<Member> outdated =
        observed.members().stream()
            .filter(m -> !m.version().equals(desired.version()))
            .sorted(Comparator.comparingInt(Member::ordinal).reversed())
            .toList();
    if (!outdated.isEmpty()) {
      for (Member m : outdated) {
        if (m.id() != observed.leaderId()) {
          return new Step.Upgrade(m.name(), desired.version());
        }
      }
      Member leader = outdated.get(0);
      if (size == 1) {
        return new Step.Upgrade(leader.name(), desired.version());
      }
      return moveLeaderAway(observed, leader);
    }
    return new Step.None();
  }

  /** Leadership goes to the healthy voter with the lowest ordinal, preferring upgraded ones. */
  private static Step moveLeaderAway(Observed observed, Member from) {
    return observed.voters().stream()
        .filter(m -> m.id() != from.id() && m.healthy())
        .min(Comparator.comparingInt(Member::ordinal))
        .<Step>map(to -> new Step.MoveLeader(from.name(), to.name()))
        .orElse(new Step.Wait("no healthy member to take over leadership from " + from.name()));
  }

  /** Whether {@code m} has been unhealthy longer than allowed; a zero allowance never expires. */
  private static boolean overdue(Member m, Desired desired) {
    return !desired.replaceAfter().isZero()
        && m.unhealthyFor().compareTo(desired.replaceAfter()) > 0;
  }

  /** Votes needed among {@code voters}. */
  public static int quorum(int voters) {
    return voters / 2 + 1;
  }
}
