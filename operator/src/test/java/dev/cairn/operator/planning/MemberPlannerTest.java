package dev.cairn.operator.planning;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The membership plan, one named situation per row: what is seen, what is asked, the one step. */
class MemberPlannerTest {
  private static final Duration DEADLINE = Duration.ofMinutes(5);

  /** A healthy voter {@code demo-N} on version 1.0, id N+1. */
  private static Member voter(int n) {
    return new Member("demo-" + n, n, n + 1, false, true, false, true, true, Duration.ZERO, "1.0");
  }

  private static Member unhealthy(Member m, Duration forHowLong) {
    return new Member(
        m.name(),
        m.ordinal(),
        m.id(),
        m.learner(),
        m.podExists(),
        m.volumeLost(),
        false,
        m.caughtUp(),
        forHowLong,
        m.version());
  }

  private static Member podGone(Member m) {
    return new Member(
        m.name(),
        m.ordinal(),
        m.id(),
        m.learner(),
        false,
        m.volumeLost(),
        false,
        m.caughtUp(),
        Duration.ofSeconds(10),
        m.version());
  }

  private static Member volumeLost(Member m) {
    return new Member(
        m.name(),
        m.ordinal(),
        m.id(),
        m.learner(),
        false,
        true,
        false,
        false,
        Duration.ofSeconds(10),
        m.version());
  }

  private static Member learner(int n, boolean caughtUp) {
    return new Member(
        "demo-" + n, n, n + 1, true, true, false, true, caughtUp, Duration.ZERO, "1.0");
  }

  private static Member onVersion(Member m, String version) {
    return new Member(
        m.name(),
        m.ordinal(),
        m.id(),
        m.learner(),
        m.podExists(),
        m.volumeLost(),
        m.healthy(),
        m.caughtUp(),
        m.unhealthyFor(),
        version);
  }

  private static Observed cluster(long leaderId, int nextOrdinal, Member... members) {
    return new Observed(Arrays.asList(members), leaderId, nextOrdinal, "demo");
  }

  private static Desired want(int replicas) {
    return new Desired(replicas, "1.0", DEADLINE, false);
  }

  private static Arguments row(String situation, Observed seen, Desired wanted, Step step) {
    return Arguments.of(situation, seen, wanted, step);
  }

  static Stream<Arguments> situations() {
    List<Arguments> rows = new ArrayList<>();
    Member m0 = voter(0);
    Member m1 = voter(1);
    Member m2 = voter(2);
    Member m3 = voter(3);
    Member m4 = voter(4);
    rows.add(
        row(
            "a healthy cluster as asked needs nothing",
            cluster(1, 3, m0, m1, m2),
            want(3),
            new Step.None()));
    rows.add(
        row(
            "a paused cluster is left alone whatever it looks like",
            cluster(0, 3, unhealthy(m0, DEADLINE.multipliedBy(2)), m1),
            new Desired(5, "2.0", DEADLINE, true),
            new Step.Wait("paused")));
    rows.add(
        row(
            "growing 3 to 5 adds one learner with a never-used name",
            cluster(1, 3, m0, m1, m2),
            want(5),
            new Step.AddLearner("demo-3")));
    rows.add(
        row(
            "names are never reused: after demo-3 was removed the next is demo-4",
            cluster(1, 4, m0, m1, m2),
            want(4),
            new Step.AddLearner("demo-4")));
    rows.add(
        row(
            "a learner that caught up is promoted before anything else",
            cluster(1, 4, m0, m1, m2, learner(3, true)),
            want(5),
            new Step.Promote("demo-3")));
    rows.add(
        row(
            "a learner still catching up is waited for, not joined by another",
            cluster(1, 4, m0, m1, m2, learner(3, false)),
            want(5),
            new Step.Wait("learner demo-3 catching up")));
    rows.add(
        row(
            "a learner that never catches up is removed after the deadline",
            cluster(1, 4, m0, m1, m2, unhealthy(learner(3, false), DEADLINE.plusMinutes(1))),
            want(4),
            new Step.Remove("demo-3", "learner never caught up")));
    rows.add(
        row(
            "shrinking 5 to 3 removes the highest ordinal first",
            cluster(1, 5, m0, m1, m2, m3, m4),
            want(3),
            new Step.Remove("demo-4", "scale down")));
    rows.add(
        row(
            "shrinking away the leader moves leadership first",
            cluster(5, 5, m0, m1, m2, m3, m4),
            want(4),
            new Step.MoveLeader("demo-4", "demo-0")));
    rows.add(
        row(
            "shrinking 3 to 1 goes one member at a time",
            cluster(1, 3, m0, m1, m2),
            want(1),
            new Step.Remove("demo-2", "scale down")));
    rows.add(
        row(
            "no scaling while a member is unhealthy",
            cluster(1, 3, m0, m1, unhealthy(m2, Duration.ofSeconds(30))),
            want(5),
            new Step.Wait("member demo-2 unhealthy")));
    rows.add(
        row(
            "no scaling without a leader",
            cluster(0, 3, m0, m1, m2),
            want(5),
            new Step.Wait("no leader")));
    rows.add(
        row(
            "two of three members down is quorum lost: report, change nothing",
            cluster(
                0,
                3,
                m0,
                unhealthy(m1, DEADLINE.plusMinutes(5)),
                unhealthy(m2, DEADLINE.plusMinutes(5))),
            want(3),
            new Step.QuorumLost(1, 3)));
    rows.add(
        row(
            "a killed pod is started again with its identity and volume",
            cluster(1, 3, m0, m1, podGone(m2)),
            want(3),
            new Step.StartPod("demo-2")));
    rows.add(
        row(
            "a member whose volume is lost is removed to be replaced",
            cluster(1, 3, m0, m1, volumeLost(m2)),
            want(3),
            new Step.Remove("demo-2", "volume lost")));
    rows.add(
        row(
            "after the lost member is removed, a fresh learner takes its place",
            cluster(1, 3, m0, m1),
            want(3),
            new Step.AddLearner("demo-3")));
    rows.add(
        row(
            "a member unhealthy past the deadline is replaced while the rest keep quorum",
            cluster(1, 3, m0, m1, unhealthy(m2, DEADLINE.plusSeconds(1))),
            want(3),
            new Step.Remove("demo-2", "unhealthy too long")));
    rows.add(
        row(
            "a member unhealthy for less than the deadline is waited for",
            cluster(1, 3, m0, m1, unhealthy(m2, DEADLINE.minusSeconds(1))),
            want(3),
            new Step.Wait("member demo-2 unhealthy")));
    rows.add(
        row(
            "a one-member cluster that lost its only volume has lost quorum: restore from backup",
            cluster(0, 1, volumeLost(m0)),
            want(1),
            new Step.QuorumLost(0, 1)));
    rows.add(
        row(
            "replacing a stuck leader moves leadership away first",
            cluster(3, 3, m0, m1, unhealthy(m2, DEADLINE.plusMinutes(1))),
            want(3),
            new Step.MoveLeader("demo-2", "demo-0")));
    rows.add(
        row(
            "an upgrade starts with the follower of highest ordinal",
            cluster(1, 3, m0, m1, m2),
            new Desired(3, "2.0", DEADLINE, false),
            new Step.Upgrade("demo-2", "2.0")));
    rows.add(
        row(
            "the upgrade goes on with the next follower",
            cluster(1, 3, m0, m1, onVersion(m2, "2.0")),
            new Desired(3, "2.0", DEADLINE, false),
            new Step.Upgrade("demo-1", "2.0")));
    rows.add(
        row(
            "the leader is upgraded last, after leadership moves to an upgraded member",
            cluster(1, 3, m0, onVersion(m1, "2.0"), onVersion(m2, "2.0")),
            new Desired(3, "2.0", DEADLINE, false),
            new Step.MoveLeader("demo-0", "demo-1")));
    rows.add(
        row(
            "once leadership moved, the old leader is upgraded",
            cluster(2, 3, m0, onVersion(m1, "2.0"), onVersion(m2, "2.0")),
            new Desired(3, "2.0", DEADLINE, false),
            new Step.Upgrade("demo-0", "2.0")));
    rows.add(
        row(
            "an upgrade waits while the member just restarted is unhealthy",
            cluster(1, 3, m0, m1, unhealthy(onVersion(m2, "2.0"), Duration.ofSeconds(5))),
            new Desired(3, "2.0", DEADLINE, false),
            new Step.Wait("rollout stopped: demo-2 is unhealthy on the new pod template")));
    rows.add(
        row(
            "a member failing on the new template stops the rollout, even past the deadline",
            cluster(1, 3, m0, m1, unhealthy(onVersion(m2, "2.0"), Duration.ofHours(1))),
            new Desired(3, "2.0", DEADLINE, false),
            new Step.Wait("rollout stopped: demo-2 is unhealthy on the new pod template")));
    rows.add(
        row(
            "a rollback restarts the member that failed on the new template first",
            cluster(
                1,
                3,
                m0,
                onVersion(m1, "2.0"),
                unhealthy(onVersion(m2, "3.0"), Duration.ofMinutes(1))),
            new Desired(3, "2.0", DEADLINE, false),
            new Step.Upgrade("demo-2", "2.0")));
    rows.add(
        row(
            "a member down on the old template during a rollout is restarted on the new one",
            cluster(1, 3, m0, unhealthy(m1, Duration.ofSeconds(30)), m2),
            new Desired(3, "2.0", DEADLINE, false),
            new Step.Upgrade("demo-1", "2.0")));
    rows.add(
        row(
            "a lost volume is replaced even during a rollout",
            cluster(1, 3, m0, volumeLost(m1), onVersion(m2, "2.0")),
            new Desired(3, "2.0", DEADLINE, false),
            new Step.Remove("demo-1", "volume lost")));
    rows.add(
        row(
            "a zero deadline never replaces a member for being unhealthy",
            cluster(1, 3, m0, unhealthy(m1, Duration.ofDays(1)), m2),
            new Desired(3, "1.0", Duration.ZERO, false),
            new Step.Wait("member demo-1 unhealthy")));
    rows.add(
        row(
            "a replaced member comes back under its own name, the lowest free ordinal",
            cluster(1, 1, m0, m2),
            new Desired(3, "1.0", DEADLINE, false),
            new Step.AddLearner("demo-1")));
    rows.add(
        row(
            "a one-member cluster upgrades its only member in place",
            cluster(1, 1, m0),
            new Desired(1, "2.0", DEADLINE, false),
            new Step.Upgrade("demo-0", "2.0")));
    rows.add(
        row(
            "scaling comes before upgrading: the spec's size first, then its version",
            cluster(1, 3, m0, m1, m2),
            new Desired(5, "2.0", DEADLINE, false),
            new Step.AddLearner("demo-3")));
    return rows.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("situations")
  void theNextStep(String situation, Observed seen, Desired wanted, Step expected) {
    assertThat(MemberPlanner.next(seen, wanted)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "quorum of {0} voters is {1}")
  @MethodSource("quorums")
  void quorumIsAMajority(int voters, int quorum) {
    assertThat(MemberPlanner.quorum(voters)).isEqualTo(quorum);
  }

  static Stream<Arguments> quorums() {
    return Stream.of(
        Arguments.of(1, 1),
        Arguments.of(2, 2),
        Arguments.of(3, 2),
        Arguments.of(4, 3),
        Arguments.of(5, 3),
        Arguments.of(7, 4));
  }
}
