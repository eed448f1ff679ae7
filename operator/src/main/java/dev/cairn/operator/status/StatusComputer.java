package dev.cairn.operator.status;

import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.MemberStatus;
import dev.cairn.operator.crd.StoreClusterResources;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.member.ObservedCluster;
import dev.cairn.operator.member.ObservedMember;
import dev.cairn.operator.model.Labels;
import dev.cairn.operator.model.StoreClusterModel;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Computes a StoreCluster's status from one observation. Pure: the same inputs give the same
 * status, and a condition keeps its {@code lastTransitionTime} while its status does not change.
 */
public final class StatusComputer {
  /** Available: every voter answers, is healthy, and follows one leader. */
  public static final String ALL_MEMBERS_HEALTHY = "AllMembersHealthy";

  /** Available, but some members are unhealthy or unreachable; a quorum is not. */
  public static final String MEMBERS_UNHEALTHY = "MembersUnhealthy";

  /** Members answer but no majority of voters follows one leader. */
  public static final String NO_LEADER = "NoLeader";

  /** Nothing answered the member list call. */
  public static final String UNREACHABLE = "MembersUnreachable";

  /** The number of members or ready pods differs from the spec. */
  public static final String SCALING = "Scaling";

  /** The members match the spec. */
  public static final String RECONCILED = "Reconciled";

  /** spec.paused is set: the operator changes nothing. */
  public static final String PAUSED = "Paused";

  private StatusComputer() {}

  /**
   * The status of {@code cluster} given an observation.
   *
   * @param generation the metadata.generation the operator acted on
   * @param observed the members as they report themselves
   * @param readyReplicas the StatefulSet's ready replicas (0 when there is none)
   * @param previous the status before, for condition transition times and the latched cluster id;
   *     may be null
   * @param now the time of this observation
   */
  public static StoreClusterStatus compute(
      StoreClusterModel cluster,
      long generation,
      ObservedCluster observed,
      int readyReplicas,
      StoreClusterStatus previous,
      Instant now) {
    int replicas = cluster.spec().replicas();
    List<ObservedMember> voters = observed.members().stream().filter(m -> !m.learner()).toList();
    Optional<ObservedMember> leader = observed.leader();
    long healthyVoters = voters.stream().filter(ObservedMember::healthy).count();
    boolean allHealthy =
        observed.reachable()
            && !observed.members().isEmpty()
            && observed.members().stream().allMatch(ObservedMember::healthy);

    List<Condition> conditions = new ArrayList<>();
    long quorum = voters.size() / 2 + 1;
    if (!observed.reachable()) {
      conditions.add(
          condition(Condition.AVAILABLE, false, UNREACHABLE, "No member answered.", generation));
    } else if (leader.isEmpty()) {
      conditions.add(
          condition(
              Condition.AVAILABLE,
              false,
              NO_LEADER,
              "No majority of voting members follows one leader.",
              generation));
    } else if (healthyVoters < quorum) {
      conditions.add(
          condition(
              Condition.AVAILABLE,
              false,
              MEMBERS_UNHEALTHY,
              healthyVoters + " of " + voters.size() + " voting members are healthy.",
              generation));
    } else {
      conditions.add(
          condition(
              Condition.AVAILABLE,
              true,
              allHealthy ? ALL_MEMBERS_HEALTHY : MEMBERS_UNHEALTHY,
              "Leader "
                  + leader.get().name()
                  + ", "
                  + healthyVoters
                  + " of "
                  + voters.size()
                  + " voting members healthy.",
              generation));
    }

    boolean converged =
        observed.reachable()
            && voters.size() == replicas
            && voters.size() == observed.members().size()
            && readyReplicas == replicas;
    if (cluster.spec().paused()) {
      conditions.add(
          condition(
              Condition.PROGRESSING,
              false,
              PAUSED,
              "spec.paused is set; the operator changes nothing.",
              generation));
    } else if (converged) {
      conditions.add(
          condition(
              Condition.PROGRESSING,
              false,
              RECONCILED,
              replicas + " members, all pods ready.",
              generation));
    } else {
      conditions.add(
          condition(
              Condition.PROGRESSING,
              true,
              SCALING,
              voters.size()
                  + " of "
                  + replicas
                  + " voting members, "
                  + readyReplicas
                  + " pods ready.",
              generation));
    }

    if (allHealthy && leader.isPresent()) {
      conditions.add(
          condition(
              Condition.DEGRADED,
              false,
              ALL_MEMBERS_HEALTHY,
              "No member reports a problem.",
              generation));
    } else {
      String reason =
          !observed.reachable() ? UNREACHABLE : leader.isEmpty() ? NO_LEADER : MEMBERS_UNHEALTHY;
      List<String> unhealthy =
          observed.members().stream()
              .filter(m -> !m.healthy())
              .map(m -> m.name().isEmpty() ? m.hexId() : m.name())
              .toList();
      String message =
          unhealthy.isEmpty()
              ? "The cluster cannot serve requests."
              : "Unhealthy or unreachable: " + String.join(", ", unhealthy) + ".";
      conditions.add(condition(Condition.DEGRADED, true, reason, message, generation));
    }

    List<MemberStatus> members =
        observed.members().stream()
            .sorted(Comparator.comparing(ObservedMember::name).thenComparing(ObservedMember::id))
            .map(m -> member(m, leader))
            .toList();
    String clusterId =
        observed.reachable() && observed.clusterId() != 0
            ? Long.toHexString(observed.clusterId())
            : previous == null ? null : previous.clusterId();
    return new StoreClusterStatus(
        generation,
        keepTransitionTimes(conditions, previous, now),
        members,
        leader.map(ObservedMember::name).orElse(null),
        clusterId,
        readyReplicas,
        replicas,
        readyReplicas + "/" + replicas,
        observed.members().size(),
        Labels.selectorString(cluster.name()),
        StoreClusterResources.clientHost(cluster.name(), cluster.namespace())
            + ":"
            + StoreClusterResources.CLIENT_PORT,
        cluster.spec().version());
  }

  private static MemberStatus member(ObservedMember m, Optional<ObservedMember> leader) {
    String role =
        m.learner()
            ? MemberStatus.LEARNER
            : leader.isPresent() && leader.get().id() == m.id()
                ? MemberStatus.LEADER
                : MemberStatus.FOLLOWER;
    return new MemberStatus(
        m.name(),
        m.hexId(),
        role,
        m.healthy(),
        m.clientUrls().isEmpty() ? null : m.clientUrls().getFirst());
  }

  private static Condition condition(
      String type, boolean status, String reason, String message, long generation) {
    return new Condition(
        type, status ? Condition.TRUE : Condition.FALSE, reason, message, null, generation);
  }

  private static List<Condition> keepTransitionTimes(
      List<Condition> conditions, StoreClusterStatus previous, Instant now) {
    String nowText = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
    return conditions.stream()
        .map(
            c -> {
              String since =
                  Optional.ofNullable(previous)
                      .flatMap(p -> p.condition(c.type()))
                      .filter(p -> p.status().equals(c.status()))
                      .map(Condition::lastTransitionTime)
                      .orElse(nowText);
              return new Condition(
                  c.type(), c.status(), c.reason(), c.message(), since, c.observedGeneration());
            })
        .toList();
  }
}
