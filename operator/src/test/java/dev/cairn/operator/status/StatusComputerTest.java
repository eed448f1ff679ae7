package dev.cairn.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.Fixtures;
import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.MemberStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.member.ObservedCluster;
import dev.cairn.operator.member.ObservedMember;
import dev.cairn.operator.model.StoreClusterModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The status table: what was observed, and the conditions it gives. */
class StatusComputerTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  /** Three members, all following member 1, all healthy. */
  private static List<ObservedMember> healthy() {
    return List.of(member(1, 1, true), member(2, 1, true), member(3, 1, true));
  }

  static Stream<Arguments> table() {
    List<ObservedMember> oneDown = new ArrayList<>(healthy());
    oneDown.set(
        2,
        new ObservedMember(3, "orders-2", List.of("http://orders-2:2379"), false, false, false, 0));
    List<ObservedMember> twoDown = new ArrayList<>(oneDown);
    twoDown.set(
        1,
        new ObservedMember(2, "orders-1", List.of("http://orders-1:2379"), false, false, false, 0));
    List<ObservedMember> split =
        List.of(member(1, 1, true), member(2, 2, true), member(3, 0, true));
    List<ObservedMember> alarm = new ArrayList<>(healthy());
    alarm.set(
        1,
        new ObservedMember(2, "orders-1", List.of("http://orders-1:2379"), false, true, false, 1));
    List<ObservedMember> withLearner = new ArrayList<>(healthy());
    withLearner.add(
        new ObservedMember(4, "orders-3", List.of("http://orders-3:2379"), true, true, true, 1));
    return Stream.of(
        Arguments.of(
            "all healthy",
            false,
            new ObservedCluster(true, 0xc1, healthy()),
            3,
            "True/AllMembersHealthy",
            "False/Reconciled",
            "False/AllMembersHealthy"),
        Arguments.of(
            "one member down",
            false,
            new ObservedCluster(true, 0xc1, oneDown),
            2,
            "True/MembersUnhealthy",
            "True/Scaling",
            "True/MembersUnhealthy"),
        Arguments.of(
            "quorum lost",
            false,
            new ObservedCluster(true, 0xc1, twoDown),
            1,
            "False/NoLeader",
            "True/Scaling",
            "True/NoLeader"),
        Arguments.of(
            "no agreed leader",
            false,
            new ObservedCluster(true, 0xc1, split),
            3,
            "False/NoLeader",
            "False/Reconciled",
            "True/NoLeader"),
        Arguments.of(
            "member with an alarm",
            false,
            new ObservedCluster(true, 0xc1, alarm),
            3,
            "True/MembersUnhealthy",
            "False/Reconciled",
            "True/MembersUnhealthy"),
        Arguments.of(
            "nothing answers",
            false,
            ObservedCluster.unreachable(),
            0,
            "False/MembersUnreachable",
            "True/Scaling",
            "True/MembersUnreachable"),
        Arguments.of(
            "pods not ready yet",
            false,
            new ObservedCluster(true, 0xc1, healthy()),
            2,
            "True/AllMembersHealthy",
            "True/Scaling",
            "False/AllMembersHealthy"),
        Arguments.of(
            "learner catching up",
            false,
            new ObservedCluster(true, 0xc1, withLearner),
            3,
            "True/AllMembersHealthy",
            "True/Scaling",
            "False/AllMembersHealthy"),
        Arguments.of(
            "paused",
            true,
            new ObservedCluster(true, 0xc1, oneDown),
            2,
            "True/MembersUnhealthy",
            "False/Paused",
            "True/MembersUnhealthy"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void conditionsFollowWhatTheMembersReport(
      String scenario,
      boolean paused,
      ObservedCluster observed,
      int readyReplicas,
      String available,
      String progressing,
      String degraded) {
    StoreCluster cluster = Fixtures.minimal();
    if (paused) {
      cluster.setSpec(
          new dev.cairn.operator.crd.StoreClusterSpec(
              3, null, null, null, null, null, null, null, null, null, true, null, null));
    }
    StoreClusterStatus status =
        StatusComputer.compute(
            StoreClusterModel.fromCrd(cluster), 4, observed, readyReplicas, null, NOW);

    assertThat(summary(status, Condition.AVAILABLE)).isEqualTo(available);
    assertThat(summary(status, Condition.PROGRESSING)).isEqualTo(progressing);
    assertThat(summary(status, Condition.DEGRADED)).isEqualTo(degraded);
    assertThat(status.conditions())
        .allSatisfy(
            c -> {
              assertThat(c.observedGeneration()).isEqualTo(4L);
              assertThat(c.lastTransitionTime()).isEqualTo("2026-03-01T12:00:00Z");
              assertThat(c.message()).isNotBlank();
            });
    assertThat(status.observedGeneration()).isEqualTo(4L);
    assertThat(status.readyReplicas()).isEqualTo(readyReplicas);
    assertThat(status.ready()).isEqualTo(readyReplicas + "/3");
  }

  @Test
  void membersLeaderAndEndpointAreReported() {
    StoreClusterStatus status =
        StatusComputer.compute(
            StoreClusterModel.fromCrd(Fixtures.minimal()),
            1,
            new ObservedCluster(true, 0xcdf818194e3a8c32L, healthy()),
            3,
            null,
            NOW);

    assertThat(status.leader()).isEqualTo("orders-0");
    assertThat(status.clusterId()).isEqualTo("cdf818194e3a8c32");
    assertThat(status.memberCount()).isEqualTo(3);
    assertThat(status.replicas()).isEqualTo(3);
    assertThat(status.endpoint()).isEqualTo("orders-client.db.svc:2379");
    assertThat(status.selector())
        .isEqualTo("app.kubernetes.io/name=cairn,app.kubernetes.io/instance=orders");
    assertThat(status.version()).isEqualTo("0.1.0");
    assertThat(status.members())
        .containsExactly(
            new MemberStatus("orders-0", "1", "leader", true, "http://orders-0:2379", null, null),
            new MemberStatus("orders-1", "2", "follower", true, "http://orders-1:2379", null, null),
            new MemberStatus(
                "orders-2", "3", "follower", true, "http://orders-2:2379", null, null));
  }

  @Test
  void aConditionKeepsItsTransitionTimeUntilItsStatusChanges() {
    StoreClusterModel model = StoreClusterModel.fromCrd(Fixtures.minimal());
    StoreClusterStatus first =
        StatusComputer.compute(model, 1, new ObservedCluster(true, 0xc1, healthy()), 3, null, NOW);
    Instant later = NOW.plusSeconds(600);

    StoreClusterStatus same =
        StatusComputer.compute(
            model, 1, new ObservedCluster(true, 0xc1, healthy()), 3, first, later);
    StoreClusterStatus lost =
        StatusComputer.compute(model, 1, ObservedCluster.unreachable(), 0, same, later);

    assertThat(same.condition(Condition.AVAILABLE).orElseThrow().lastTransitionTime())
        .isEqualTo("2026-03-01T12:00:00Z");
    assertThat(lost.condition(Condition.AVAILABLE).orElseThrow().lastTransitionTime())
        .isEqualTo("2026-03-01T12:10:00Z");
    // The cluster id stays latched while nothing answers, so no member may found a new cluster.
    assertThat(lost.clusterId()).isEqualTo("c1");
  }

  private static ObservedMember member(long id, long leader, boolean healthy) {
    String name = "orders-" + (id - 1);
    return new ObservedMember(
        id, name, List.of("http://" + name + ":2379"), false, true, healthy, leader);
  }

  private static String summary(StoreClusterStatus status, String type) {
    Condition c = status.condition(type).orElseThrow();
    return c.status() + "/" + c.reason();
  }

  @Test
  void quorumLossIsReportedOnlyForAClusterThatWasAvailable() {
    StoreClusterModel model = StoreClusterModel.fromCrd(Fixtures.minimal());
    List<ObservedMember> oneAnswering =
        List.of(
            new ObservedMember(
                1, "orders-0", List.of("http://orders-0:2379"), false, true, false, 0),
            new ObservedMember(
                2, "orders-1", List.of("http://orders-1:2379"), false, false, false, 0),
            new ObservedMember(
                3, "orders-2", List.of("http://orders-2:2379"), false, false, false, 0));
    ObservedCluster lost = new ObservedCluster(true, 0xc1, oneAnswering);

    StoreClusterStatus forming = StatusComputer.compute(model, 1, lost, 1, null, NOW);
    assertThat(forming.condition(Condition.QUORUM_LOST).orElseThrow().isTrue()).isFalse();

    StoreClusterStatus available =
        StatusComputer.compute(model, 1, new ObservedCluster(true, 0xc1, healthy()), 3, null, NOW);
    StoreClusterStatus afterLoss =
        StatusComputer.compute(model, 1, lost, 1, available, NOW.plusSeconds(5));
    Condition quorumLost = afterLoss.condition(Condition.QUORUM_LOST).orElseThrow();
    assertThat(quorumLost.isTrue()).isTrue();
    assertThat(quorumLost.reason()).isEqualTo("QuorumLost");
    assertThat(quorumLost.message())
        .startsWith("0 of 3 voting members following a leader, 1 answering");

    // Still lost when nothing answers at all.
    StoreClusterStatus silent =
        StatusComputer.compute(
            model, 1, ObservedCluster.unreachable(), 0, afterLoss, NOW.plusSeconds(10));
    assertThat(silent.condition(Condition.QUORUM_LOST).orElseThrow().message())
        .startsWith("No member answering");
  }

  @Test
  void aStepThatOutlastsItsTimeoutMakesTheClusterDegraded() {
    StoreClusterModel model = StoreClusterModel.fromCrd(Fixtures.minimal());
    ObservedCluster seen = new ObservedCluster(true, 0xc1, healthy());
    Activity promoting =
        new Activity(
            "promote orders-3 once it has caught up",
            java.time.Duration.ofMinutes(10),
            java.util.Map.of());

    StoreClusterStatus first = StatusComputer.compute(model, 1, seen, 3, null, NOW, promoting);
    assertThat(first.step()).isEqualTo("promote orders-3 once it has caught up");
    assertThat(first.stepSince()).isEqualTo("2026-03-01T12:00:00Z");
    StoreClusterStatus nineMinutes =
        StatusComputer.compute(model, 1, seen, 3, first, NOW.plusSeconds(540), promoting);
    assertThat(nineMinutes.stepSince()).isEqualTo("2026-03-01T12:00:00Z");
    assertThat(nineMinutes.condition(Condition.DEGRADED).orElseThrow().isTrue()).isFalse();

    StoreClusterStatus elevenMinutes =
        StatusComputer.compute(model, 1, seen, 3, nineMinutes, NOW.plusSeconds(660), promoting);
    Condition degraded = elevenMinutes.condition(Condition.DEGRADED).orElseThrow();
    assertThat(degraded.isTrue()).isTrue();
    assertThat(degraded.reason()).isEqualTo("StepTimedOut");
    assertThat(degraded.message())
        .isEqualTo("Since 2026-03-01T12:00:00Z: promote orders-3 once it has caught up.");

    // Another step starts its own clock.
    Activity adding =
        new Activity(
            "add orders-4 as a learner", java.time.Duration.ofMinutes(10), java.util.Map.of());
    StoreClusterStatus next =
        StatusComputer.compute(model, 1, seen, 3, elevenMinutes, NOW.plusSeconds(700), adding);
    assertThat(next.stepSince()).isEqualTo("2026-03-01T12:11:40Z");
    assertThat(next.condition(Condition.DEGRADED).orElseThrow().isTrue()).isFalse();
  }

  @Test
  void aMemberKeepsTheVolumeItWasHealthyOnAndWhenItBecameUnhealthy() {
    StoreClusterModel model = StoreClusterModel.fromCrd(Fixtures.minimal());
    Activity volumes =
        new Activity(null, java.time.Duration.ofMinutes(10), java.util.Map.of("orders-2", "uid-a"));
    StoreClusterStatus healthyOnA =
        StatusComputer.compute(
            model, 1, new ObservedCluster(true, 0xc1, healthy()), 3, null, NOW, volumes);
    assertThat(healthyOnA.members().get(2).volume()).isEqualTo("uid-a");
    assertThat(healthyOnA.members().get(2).unhealthySince()).isNull();

    List<ObservedMember> down = new ArrayList<>(healthy());
    down.set(
        2,
        new ObservedMember(3, "orders-2", List.of("http://orders-2:2379"), false, false, false, 0));
    Activity newClaim =
        new Activity(null, java.time.Duration.ofMinutes(10), java.util.Map.of("orders-2", "uid-b"));
    StoreClusterStatus later =
        StatusComputer.compute(
            model,
            1,
            new ObservedCluster(true, 0xc1, down),
            2,
            healthyOnA,
            NOW.plusSeconds(30),
            newClaim);
    StoreClusterStatus evenLater =
        StatusComputer.compute(
            model,
            1,
            new ObservedCluster(true, 0xc1, down),
            2,
            later,
            NOW.plusSeconds(60),
            newClaim);
    assertThat(evenLater.members().get(2).volume())
        .as("only a healthy member moves on")
        .isEqualTo("uid-a");
    assertThat(evenLater.members().get(2).unhealthySince()).isEqualTo("2026-03-01T12:00:30Z");
  }
}
