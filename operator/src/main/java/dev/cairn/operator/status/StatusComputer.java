package dev.cairn.operator.status;

import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.MemberStatus;
import dev.cairn.operator.crd.StoreClusterResources;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.member.ObservedCluster;
import dev.cairn.operator.member.ObservedMember;
import dev.cairn.operator.model.Labels;
import dev.cairn.operator.model.StoreClusterModel;
import java.time.Duration;
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

  /** A membership or upgrade step has lasted longer than spec.automation.stepTimeout. */
  public static final String STEP_TIMED_OUT = "StepTimedOut";

  /** QuorumLost: fewer healthy voters than a quorum, in a cluster that was available before. */
  public static final String QUORUM_LOST = "QuorumLost";

  /** QuorumLost is False: a quorum of voters is healthy. */
  public static final String QUORUM_HEALTHY = "QuorumHealthy";

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
    return compute(cluster, generation, observed, readyReplicas, previous, now, Activity.none());
  }

  /**
   * As above, with what the reconciler is doing about the membership: the step, which becomes
   * Degraded once it outlasts its timeout, and the members' volumes.
   */
  public static StoreClusterStatus compute(
      StoreClusterModel cluster,
      long generation,
      ObservedCluster observed,
      int readyReplicas,
      StoreClusterStatus previous,
      Instant now,
      Activity activity) {
    String nowText = rfc3339(now);
    String stepSince =
        activity.step() == null
            ? null
            : previous != null
                    && activity.step().equals(previous.step())
                    && previous.stepSince() != null
                ? previous.stepSince()
                : nowText;
    boolean stepTimedOut =
        stepSince != null
            && Duration.between(Instant.parse(stepSince), now).compareTo(activity.stepTimeout())
                > 0;
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

    if (stepTimedOut) {
      conditions.add(
          condition(
              Condition.DEGRADED,
              true,
              STEP_TIMED_OUT,
              "Since " + stepSince + ": " + activity.step() + ".",
              generation));
    } else if (allHealthy && leader.isPresent()) {
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

    // Quorum is about members that answer and follow a leader; an alarm (NOSPACE) makes a member
    // unhealthy without taking it out of the quorum.
    long inQuorum = voters.stream().filter(m -> m.reachable() && m.leaderId() != 0).count();
    boolean noQuorum =
        observed.reachable() ? !voters.isEmpty() && inQuorum < quorum : previous != null;
    boolean formedBefore =
        previous != null
            && (previous.condition(Condition.AVAILABLE).map(Condition::isTrue).orElse(false)
                || previous.condition(Condition.QUORUM_LOST).map(Condition::isTrue).orElse(false));
    if (noQuorum && formedBefore) {
      conditions.add(
          condition(
              Condition.QUORUM_LOST,
              true,
              QUORUM_LOST,
              (observed.reachable()
                      ? inQuorum
                          + " of "
                          + voters.size()
                          + " voting members following a leader, "
                          + voters.stream().filter(ObservedMember::reachable).count()
                          + " answering"
                      : "No member answering")
                  + ": the cluster cannot commit. The operator changes no"
                  + " member until a quorum is back; if the lost members cannot return, restore"
                  + " from a backup into a new cluster (docs/operator.md, Quorum loss).",
              generation));
    } else {
      conditions.add(
          condition(
              Condition.QUORUM_LOST,
              false,
              QUORUM_HEALTHY,
              noQuorum
                  ? "The cluster has not formed yet."
                  : inQuorum + " of " + voters.size() + " voting members following a leader.",
              generation));
    }

    List<MemberStatus> members =
        observed.members().stream()
            .sorted(Comparator.comparing(ObservedMember::name).thenComparing(ObservedMember::id))
            .map(m -> member(m, leader, previousMember(previous, m), activity, nowText))
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
        cluster.spec().version(),
        activity.step(),
        stepSince,
        previous == null ? null : previous.backup(),
        previous == null ? null : previous.restoredFrom());
  }

  private static Optional<MemberStatus> previousMember(
      StoreClusterStatus previous, ObservedMember m) {
    if (previous == null) {
      return Optional.empty();
    }
    return previous.members().stream().filter(p -> m.hexId().equals(p.id())).findFirst();
  }

  private static MemberStatus member(
      ObservedMember m,
      Optional<ObservedMember> leader,
      Optional<MemberStatus> before,
      Activity activity,
      String now) {
    String unhealthySince =
        m.healthy() ? null : before.map(MemberStatus::unhealthySince).orElse(now);
    // The volume a member was healthy on is its data; while unhealthy, the record stays.
    String seen = m.healthy() ? activity.volumes().get(m.name()) : null;
    String volume = seen != null ? seen : before.map(MemberStatus::volume).orElse(null);
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
        m.clientUrls().isEmpty() ? null : m.clientUrls().getFirst(),
        unhealthySince,
        volume);
  }

  public static String rfc3339(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  private static Condition condition(
      String type, boolean status, String reason, String message, long generation) {
    return new Condition(
        type, status ? Condition.TRUE : Condition.FALSE, reason, message, null, generation);
  }

  /**
   * {@code status} with {@code condition} in place of the one of its type (or added), its
   * transition time kept from {@code previous} when its status is unchanged.
   */
  public static StoreClusterStatus withCondition(
      StoreClusterStatus status, Condition given, StoreClusterStatus previous, Instant now) {
    Condition condition =
        new Condition(
            given.type(),
            given.status(),
            given.reason(),
            given.message(),
            null,
            status.observedGeneration());
    List<Condition> conditions = new ArrayList<>();
    boolean replaced = false;
    for (Condition c : status.conditions()) {
      if (c.type().equals(condition.type())) {
        conditions.add(condition);
        replaced = true;
      } else {
        conditions.add(c);
      }
    }
    if (!replaced) {
      conditions.add(condition);
    }
    return status.withConditions(keepTransitionTimes(conditions, previous, now));
  }

  public static List<Condition> keepTransitionTimes(
      List<Condition> conditions, StoreClusterStatus previous, Instant now) {
    String nowText = rfc3339(now);
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
