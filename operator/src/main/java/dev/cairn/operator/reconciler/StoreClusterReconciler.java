package dev.cairn.operator.reconciler;

import dev.cairn.operator.crd.BackupLocation;
import dev.cairn.operator.crd.BootstrapSpec;
import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.MemberStatus;
import dev.cairn.operator.crd.StoreBackup;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterResources;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.member.AuthAdmin;
import dev.cairn.operator.member.AuthState;
import dev.cairn.operator.member.JetcdAuthAdmin;
import dev.cairn.operator.member.JetcdMemberObserver;
import dev.cairn.operator.member.JetcdMembershipAdmin;
import dev.cairn.operator.member.MemberObserver;
import dev.cairn.operator.member.MembershipAdmin;
import dev.cairn.operator.member.MembershipAdmin.MembershipException;
import dev.cairn.operator.member.ObservedCluster;
import dev.cairn.operator.member.ObservedMember;
import dev.cairn.operator.model.CertificateAuthority;
import dev.cairn.operator.model.StoreClusterModel;
import dev.cairn.operator.model.TlsSecrets;
import dev.cairn.operator.planning.Desired;
import dev.cairn.operator.planning.Member;
import dev.cairn.operator.planning.MemberPlanner;
import dev.cairn.operator.planning.Observed;
import dev.cairn.operator.planning.Step;
import dev.cairn.operator.status.Activity;
import dev.cairn.operator.status.StatusComputer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles one StoreCluster in fixed steps: TLS Secrets, bootstrap ConfigMap, Services,
 * StatefulSet, PodDisruptionBudget (all skipped while paused); then observe the members and write
 * the status once. Objects are server-side applied with the operator as field manager, so a pass
 * changes only what differs. Owned objects carry an owner reference: deleting the StoreCluster
 * deletes them, and the StatefulSet's retention policy decides the volumes.
 */
@ControllerConfiguration(
    name = StoreClusterReconciler.NAME,
    // Members change without any Kubernetes event (a leader change, an alarm): look again.
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 30, timeUnit = TimeUnit.SECONDS))
public class StoreClusterReconciler implements Reconciler<StoreCluster> {
  public static final String NAME = "storecluster";
  public static final String FIELD_MANAGER = "cairn-operator";

  /**
   * Every kind the reconciler reads or writes besides StoreCluster, as {@code group/resource}; the
   * ClusterRole in manifests/ must grant them (a test checks).
   */
  public static final List<String> OWNED_RESOURCES =
      List.of(
          "/services",
          "/configmaps",
          "/secrets",
          "apps/statefulsets",
          "policy/poddisruptionbudgets",
          "cairn.dev/storebackups");

  /**
   * What the reconciler deletes, as {@code group/resource}: a member's pod to restart it on a new
   * template, a replaced member's claim, and scheduled backups that retention lets go.
   */
  public static final List<String> DELETED_RESOURCES =
      List.of("/pods", "/persistentvolumeclaims", "cairn.dev/storebackups");

  /** Degraded's reason when the backup to start from is missing or not a succeeded backup. */
  public static final String BACKUP_NOT_FOUND = "BackupNotFound";

  /** Degraded's reason when members cannot restore the backup they start from. */
  public static final String RESTORE_FAILED = "RestoreFailed";

  private static final Logger log = LoggerFactory.getLogger(StoreClusterReconciler.class);

  private final KubernetesClient client;
  private final MemberObserver members;
  private final AuthAdmin auth;
  private final MembershipAdmin membership;
  private final EventRecorder events;
  private final ClusterBackups backups;
  private final Clock clock;
  private final boolean serverSideApply;

  /**
   * @param client the API server
   * @param members asks the members about themselves
   * @param clock the time of status transitions, events and certificates
   */
  public StoreClusterReconciler(KubernetesClient client, MemberObserver members, Clock clock) {
    this(client, members, AuthAdmin.NONE, MembershipAdmin.NONE, clock, true);
  }

  /**
   * @param client the API server
   * @param members asks the members about themselves
   * @param auth turns on etcd auth once the cluster has formed
   * @param clock the time of status transitions, events and certificates
   */
  public StoreClusterReconciler(
      KubernetesClient client, MemberObserver members, AuthAdmin auth, Clock clock) {
    this(client, members, auth, MembershipAdmin.NONE, clock, true);
  }

  /**
   * @param client the API server
   * @param members asks the members about themselves
   * @param auth turns on etcd auth once the cluster has formed
   * @param membership adds, promotes and removes members of the formed cluster
   * @param clock the time of status transitions, events and certificates
   */
  public StoreClusterReconciler(
      KubernetesClient client,
      MemberObserver members,
      AuthAdmin auth,
      MembershipAdmin membership,
      Clock clock) {
    this(client, members, auth, membership, clock, true);
  }

  /**
   * As above; without server-side apply an existing object is replaced instead, for fabric8's mock
   * API server, which does not implement apply patches.
   */
  StoreClusterReconciler(
      KubernetesClient client,
      MemberObserver members,
      AuthAdmin auth,
      MembershipAdmin membership,
      Clock clock,
      boolean serverSideApply) {
    this.serverSideApply = serverSideApply;
    this.client = client;
    this.members = members;
    this.auth = auth;
    this.membership = membership;
    this.events = new EventRecorder(client, clock);
    this.backups = new ClusterBackups(client, events);
    this.clock = clock;
  }

  /** A reconciler observing members and enabling auth with jetcd. */
  public static StoreClusterReconciler withJetcd(KubernetesClient client) {
    java.time.Duration timeout = java.time.Duration.ofSeconds(5);
    return new StoreClusterReconciler(
        client,
        new JetcdMemberObserver(client, timeout),
        new JetcdAuthAdmin(client, timeout),
        new JetcdMembershipAdmin(client, timeout),
        Clock.systemUTC());
  }

  @Override
  public List<EventSource<?, StoreCluster>> prepareEventSources(
      EventSourceContext<StoreCluster> context) {
    // Pods becoming ready show up as StatefulSet status changes; owner references map them back.
    return List.of(
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(StatefulSet.class, StoreCluster.class).build(),
            context));
  }

  @Override
  public UpdateControl<StoreCluster> reconcile(
      StoreCluster cluster, Context<StoreCluster> context) {
    StoreClusterStatus status = reconcile(cluster);
    StoreCluster patch = new StoreCluster();
    patch.getMetadata().setName(cluster.getMetadata().getName());
    patch.getMetadata().setNamespace(cluster.getMetadata().getNamespace());
    patch.setStatus(status);
    UpdateControl<StoreCluster> control = UpdateControl.patchStatus(patch);
    // A scheduled backup due before the next periodic pass: look again on time.
    Optional<Duration> untilBackup =
        Optional.ofNullable(status.backup())
            .map(StoreClusterStatus.BackupStatus::nextScheduleTime)
            .map(next -> ClusterBackups.until(Instant.parse(next), clock.instant()));
    return untilBackup.isPresent() && untilBackup.get().compareTo(Duration.ofSeconds(30)) < 0
        ? control.rescheduleAfter(untilBackup.get().plusMillis(500))
        : control;
  }

  /** One pass; returns the status to write. */
  public StoreClusterStatus reconcile(StoreCluster cluster) {
    StoreClusterModel model = StoreClusterModel.fromCrd(cluster);
    StoreClusterStatus previous = cluster.getStatus();
    String restoreProblem = null;
    if (!model.bootstrapped() && model.restore().isEmpty()) {
      Optional<String> named = model.spec().fromBackup().map(BootstrapSpec.FromBackup::storeBackup);
      if (named.isPresent()) {
        StoreBackup backup =
            client
                .resources(StoreBackup.class)
                .inNamespace(model.namespace())
                .withName(named.get())
                .get();
        if (backup == null) {
          restoreProblem = "StoreBackup " + named.get() + " does not exist";
        } else if (backup.getStatus() == null || !backup.getStatus().succeeded()) {
          restoreProblem =
              "StoreBackup "
                  + named.get()
                  + " is "
                  + (backup.getStatus() == null ? "Pending" : backup.getStatus().phase())
                  + ", not Succeeded"
                  + (backup.getStatus() == null || backup.getStatus().message() == null
                      ? ""
                      : ": " + backup.getStatus().message());
        } else {
          model =
              model.withRestore(
                  new BackupLocation(backup.getStatus().objectStore(), backup.getStatus().key()));
        }
      }
    }
    boolean wasPaused =
        previous != null
            && previous
                .condition(Condition.PROGRESSING)
                .map(c -> StatusComputer.PAUSED.equals(c.reason()))
                .orElse(false);
    if (model.spec().paused()) {
      if (!wasPaused) {
        events.normal(cluster, "Paused", "spec.paused is set: owned objects are left as they are.");
      }
    } else {
      if (wasPaused) {
        events.normal(cluster, "Resumed", "spec.paused is cleared: reconciling again.");
      }
      generatedTls(cluster, model);
      if (!model.bootstrapped()) {
        apply(cluster, model.generateBootstrapConfigMap());
      }
      apply(cluster, model.generatePeerService());
      apply(cluster, model.generateClientService());
      if (!model.bootstrapped() && restoreProblem == null) {
        // Creation: every member at once, each told the whole initial cluster.
        apply(cluster, model.generateStatefulSet());
      }
    }

    ObservedCluster observed = members.observe(model);
    Pods pods = Pods.of(client, model);
    String step = null;
    if (!model.spec().paused() && model.bootstrapped()) {
      // Formed: the pods follow the members, which change one step at a time.
      pods.deletePodsOfDeletedClaims(client);
      Plan plan = scale(cluster, model, observed, pods, previous);
      step = plan.step();
      List<String> after = plan.members();
      int current = currentReplicas(model);
      if (after.isEmpty()) {
        // Nothing to go by: leave the membership as it is, keep the template current.
        apply(cluster, model.generateStatefulSet(current));
      } else {
        apply(cluster, model.generateBootstrapConfigMap(after));
        apply(cluster, model.generateStatefulSet(podsFor(after, observed, current)));
      }
    }
    if (!model.spec().paused()) {
      long voters = observed.members().stream().filter(m -> !m.learner()).count();
      apply(
          cluster,
          model.bootstrapped() && voters > 0
              ? model.generatePodDisruptionBudget((int) voters)
              : model.generatePodDisruptionBudget());
    }
    if (!model.spec().paused() && authDue(model, observed)) {
      enableAuth(cluster, model, observed);
    }
    StoreClusterStatus status =
        StatusComputer.compute(
            model,
            Objects.requireNonNullElse(cluster.getMetadata().getGeneration(), 0L),
            observed,
            readyReplicas(model),
            previous,
            clock.instant(),
            new Activity(step, model.spec().automation().stepDeadline(), pods.claimUids()));
    if (!model.bootstrapped() && restoreProblem == null) {
      restoreProblem = pods.restoreFailure().orElse(null);
    }
    if (restoreProblem != null) {
      status =
          StatusComputer.withCondition(
              status,
              new Condition(
                  Condition.DEGRADED,
                  Condition.TRUE,
                  model.restore().isEmpty() ? BACKUP_NOT_FOUND : RESTORE_FAILED,
                  restoreProblem,
                  null,
                  null),
              previous,
              clock.instant());
    }
    status = status.withRestoredFrom(model.restore().orElse(null));
    ClusterBackups.Outcome backup =
        backups.reconcile(cluster, status.clusterId() != null, previous, clock.instant());
    status = status.withBackup(backup.status());
    if (backup.condition() != null) {
      status = StatusComputer.withCondition(status, backup.condition(), previous, clock.instant());
    }
    announceTransitions(cluster, previous, status);
    return status;
  }

  /**
   * Whether to see to auth now: asked for, and the cluster formed with every member healthy, so
   * that the root user and the enabled flag are written once to a settled cluster, not
   * mid-bootstrap.
   */
  static boolean authDue(StoreClusterModel model, ObservedCluster observed) {
    return model.spec().auth().enabled()
        && observed.reachable()
        && observed.clusterId() != 0
        && !observed.members().isEmpty()
        && observed.members().stream().allMatch(m -> m.healthy())
        && observed.leader().isPresent();
  }

  private void enableAuth(StoreCluster cluster, StoreClusterModel model, ObservedCluster observed) {
    AuthState state = auth.ensureEnabled(model, observed.clusterId());
    if (state == AuthState.ENABLED_NOW) {
      events.normal(
          cluster,
          "AuthEnabled",
          "Created user root (password from Secret "
              + model.spec().auth().rootSecretName()
              + ") with the root role and enabled auth.");
    } else if (state == AuthState.WRONG_PASSWORD) {
      // Not an event each pass: the user must change the Secret or the password, not be spammed.
      log.warn(
          "StoreCluster {}/{}: auth is on but the password in Secret {} does not log in as root",
          model.namespace(),
          model.name(),
          model.spec().auth().rootSecretName());
    }
  }

  /**
   * The members after this pass's step, and the step in words.
   *
   * @param members the members' names once the step is taken (what the bootstrap ConfigMap and the
   *     StatefulSet must follow); empty when the cluster did not answer
   * @param step what the operator did or waits for; null when nothing is to be done
   */
  record Plan(List<String> members, String step) {}

  /** Plans the next membership step and takes it. */
  private Plan scale(
      StoreCluster cluster,
      StoreClusterModel model,
      ObservedCluster observed,
      Pods pods,
      StoreClusterStatus previous) {
    if (!observed.reachable() || observed.members().isEmpty()) {
      return new Plan(List.of(), null);
    }
    List<String> names = new ArrayList<>();
    for (ObservedMember m : observed.members()) {
      if (StoreClusterModel.ordinal(m.name()) < 0) {
        // A member the operator cannot place among its pods: change nothing.
        return new Plan(List.of(), "waiting: member " + m.hexId() + " has no pod name");
      }
      names.add(m.name());
    }
    Step step =
        MemberPlanner.next(
            planned(model, observed, pods, previous, clock.instant()), desired(model));
    String gate =
        switch (step) {
          case Step.AddLearner add -> pods.settledExcept(add.name());
          case Step.Remove remove -> pods.settledExcept(remove.name());
          case Step.Upgrade upgrade -> pods.settledExcept(upgrade.name());
          default -> null;
        };
    if (gate != null) {
      // One member at a time: the pods of the last step started or stopped first.
      log.info("StoreCluster {}: {} waits: {}", model.name(), step, gate);
      return new Plan(names, "waiting to " + describe(step) + ": " + gate);
    }
    try {
      switch (step) {
        case Step.AddLearner add -> {
          long id = membership.addLearner(model, model.peerUrl(add.name()));
          names.add(add.name());
          announce(cluster, "MemberAdded", "Added " + add.name() + " as learner " + hex(id) + ".");
        }
        case Step.Promote promote -> {
          if (membership.promote(model, member(observed, promote.name()).id())) {
            announce(cluster, "MemberPromoted", "Promoted " + promote.name() + " to voter.");
          } else {
            log.info("Learner {} has not caught up yet", promote.name());
          }
        }
        case Step.MoveLeader move -> {
          ObservedMember from = member(observed, move.from());
          membership.moveLeader(
              model, from.clientUrls().getFirst(), member(observed, move.to()).id());
          announce(
              cluster,
              "LeaderMoved",
              "Moved leadership from " + move.from() + " to " + move.to() + ".");
        }
        case Step.Remove remove -> {
          membership.remove(model, member(observed, remove.name()).id());
          names.remove(remove.name());
          announce(
              cluster, "MemberRemoved", "Removed " + remove.name() + " (" + remove.reason() + ").");
          if (!remove.reason().equals(MemberPlanner.SCALE_DOWN)) {
            // Replaced: its data must not come back under the new member of that name.
            pods.deleteMember(client, remove.name());
          }
        }
        case Step.Upgrade upgrade -> {
          // The template first, so that the pod comes back from the new one.
          apply(cluster, model.generateStatefulSet(currentReplicas(model)));
          pods.deletePod(client, upgrade.name());
          announce(
              cluster,
              "MemberRestarted",
              "Deleted pod "
                  + upgrade.name()
                  + " to restart it on pod template "
                  + upgrade.version()
                  + ".");
        }
        default -> log.debug("StoreCluster {}: {}", model.name(), step);
      }
    } catch (MembershipException | java.util.NoSuchElementException e) {
      log.info("StoreCluster {}/{}: {} failed: {}", model.namespace(), model.name(), step, e);
    }
    return new Plan(names, describe(step));
  }

  /** A step in words, for status.step; null for none and for what conditions already report. */
  static String describe(Step step) {
    return switch (step) {
      case Step.None none -> null;
      case Step.QuorumLost lost -> null;
      case Step.Wait wait -> wait.reason().equals("paused") ? null : "waiting: " + wait.reason();
      case Step.AddLearner add -> "add " + add.name() + " as a learner";
      case Step.Promote promote -> "promote " + promote.name() + " once it has caught up";
      case Step.MoveLeader move -> "move leadership from " + move.from() + " to " + move.to();
      case Step.Remove remove -> "remove " + remove.name() + " (" + remove.reason() + ")";
      case Step.StartPod start -> "waiting: pod " + start.name() + " to start";
      case Step.Upgrade upgrade ->
          "restart " + upgrade.name() + " on pod template " + upgrade.version();
    };
  }

  private void announce(StoreCluster cluster, String reason, String message) {
    log.info("StoreCluster {}: {}", cluster.getMetadata().getName(), message);
    events.normal(cluster, reason, message);
  }

  private static String hex(long id) {
    return Long.toHexString(id);
  }

  private static ObservedMember member(ObservedCluster observed, String name) {
    return observed.members().stream()
        .filter(m -> m.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new java.util.NoSuchElementException("no member " + name));
  }

  /**
   * The observation as the planner takes it: the members from the etcd API, their pods and volumes
   * from Kubernetes, how long each has been unhealthy and which volume it was last healthy on from
   * the status before.
   */
  static Observed planned(
      StoreClusterModel model,
      ObservedCluster observed,
      Pods pods,
      StoreClusterStatus previous,
      Instant now) {
    String desiredTemplate = model.podTemplateHash();
    List<Member> planned =
        observed.members().stream()
            .map(
                m -> {
                  Optional<MemberStatus> before =
                      previous == null
                          ? Optional.empty()
                          : previous.members().stream()
                              .filter(p -> m.hexId().equals(p.id()))
                              .findFirst();
                  String healthyOn = before.map(MemberStatus::volume).orElse(null);
                  boolean volumeLost =
                      healthyOn != null && !healthyOn.equals(pods.claimUid(m.name()));
                  Duration unhealthyFor =
                      m.healthy()
                          ? Duration.ZERO
                          : before
                              .map(MemberStatus::unhealthySince)
                              .map(since -> Duration.between(Instant.parse(since), now))
                              .orElse(Duration.ZERO);
                  return new Member(
                      m.name(),
                      StoreClusterModel.ordinal(m.name()),
                      m.id(),
                      m.learner(),
                      pods.exists(m.name()),
                      volumeLost,
                      m.healthy(),
                      m.healthy(),
                      unhealthyFor,
                      pods.templateHash(m.name()).orElse(desiredTemplate));
                })
            .toList();
    long leader = observed.leader().map(ObservedMember::id).orElse(0L);
    Set<Integer> taken =
        planned.stream().map(Member::ordinal).collect(java.util.stream.Collectors.toSet());
    int next = 0;
    while (taken.contains(next)) {
      next++;
    }
    return new Observed(planned, leader, next, model.name());
  }

  private static Desired desired(StoreClusterModel model) {
    return new Desired(
        model.spec().replicas(),
        model.podTemplateHash(),
        model.spec().automation().replaceAfter(),
        false);
  }

  /**
   * The StatefulSet's replicas for the members after this pass's step: ordinals 0 up to the highest
   * member's. They grow only for a learner (just added, or added by a pass that did not get to
   * raise them): a voter beyond the pods can only be a removed member in a member list that has not
   * caught up yet, whose pod must not come back.
   */
  static int podsFor(List<String> members, ObservedCluster observed, int current) {
    int wanted = replicasFor(members);
    if (wanted <= current) {
      return wanted;
    }
    boolean learnerBeyond =
        members.stream()
            .filter(name -> StoreClusterModel.ordinal(name) >= current)
            .allMatch(
                name ->
                    observed.members().stream()
                        .filter(m -> m.name().equals(name))
                        .allMatch(ObservedMember::learner));
    return learnerBeyond ? wanted : current;
  }

  /** The pods for {@code members}: ordinals 0 up to the highest member's. */
  static int replicasFor(List<String> members) {
    return members.stream().mapToInt(StoreClusterModel::ordinal).max().orElse(-1) + 1;
  }

  /** The cluster's StatefulSet as the API has it now, or null. */
  private StatefulSet statefulSet(StoreClusterModel model) {
    return client
        .apps()
        .statefulSets()
        .inNamespace(model.namespace())
        .withName(StoreClusterResources.statefulSetName(model.name()))
        .get();
  }

  /** The StatefulSet's replicas as they are, or spec.replicas when there is none. */
  private int currentReplicas(StoreClusterModel model) {
    StatefulSet set = statefulSet(model);
    if (set == null || set.getSpec() == null || set.getSpec().getReplicas() == null) {
      return model.spec().replicas();
    }
    return set.getSpec().getReplicas();
  }

  private int readyReplicas(StoreClusterModel model) {
    StatefulSet set = statefulSet(model);
    if (set == null || set.getStatus() == null || set.getStatus().getReadyReplicas() == null) {
      return 0;
    }
    return set.getStatus().getReadyReplicas();
  }

  private void apply(StoreCluster cluster, HasMetadata desired) {
    boolean existed = client.resource(desired).get() != null;
    if (existed && serverSideApply) {
      client.resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
      return;
    }
    if (existed) {
      client.resource(desired).update();
      return;
    }
    // A plain create for a new object: same result, and one less thing a fake API must support.
    client.resource(desired).create();
    String what = desired.getKind() + " " + desired.getMetadata().getName();
    log.info(
        "Created {} for StoreCluster {}/{}",
        what,
        cluster.getMetadata().getNamespace(),
        cluster.getMetadata().getName());
    events.normal(cluster, "Created", "Created " + what + ".");
  }

  /**
   * Makes the CA and certificates once. They are created, never applied: a fresh key on every pass
   * would roll every member, so an existing Secret is left as it is.
   */
  private void generatedTls(StoreCluster cluster, StoreClusterModel model) {
    if (!model.generatesTls()) {
      return;
    }
    String caName = StoreClusterResources.caSecretName(model.name());
    Secret caSecret = client.secrets().inNamespace(model.namespace()).withName(caName).get();
    CertificateAuthority ca;
    if (caSecret == null) {
      ca =
          CertificateAuthority.create(
              model.namespace() + "/" + model.name() + " CA", clock.instant());
    } else {
      var data = JetcdMemberObserver.decode(caSecret);
      ca = CertificateAuthority.fromPem(data.get(TlsSecrets.CA_CERT), data.get(TlsSecrets.CA_KEY));
    }
    TlsSecrets secrets = new TlsSecrets(model, ca, clock.instant());
    if (caSecret == null) {
      createSecret(cluster, secrets.generateCaSecret());
    }
    if (model.spec().tls().client() != null && model.spec().tls().client().generated()) {
      createIfAbsent(
          cluster,
          StoreClusterResources.clientTlsSecretName(model.name()),
          secrets::generateClientSecret);
      createIfAbsent(
          cluster,
          StoreClusterResources.operatorTlsSecretName(model.name()),
          secrets::generateOperatorSecret);
    }
    if (model.spec().tls().peer() != null && model.spec().tls().peer().generated()) {
      createIfAbsent(
          cluster,
          StoreClusterResources.peerTlsSecretName(model.name()),
          secrets::generatePeerSecret);
    }
  }

  private void createIfAbsent(
      StoreCluster cluster, String name, java.util.function.Supplier<Secret> secret) {
    if (client.secrets().inNamespace(cluster.getMetadata().getNamespace()).withName(name).get()
        == null) {
      createSecret(cluster, secret.get());
    }
  }

  private void createSecret(StoreCluster cluster, Secret secret) {
    client.resource(secret).create();
    events.normal(
        cluster, "CertificateCreated", "Generated Secret " + secret.getMetadata().getName() + ".");
  }

  private void announceTransitions(
      StoreCluster cluster, StoreClusterStatus previous, StoreClusterStatus status) {
    Condition now = status.condition(Condition.AVAILABLE).orElseThrow();
    boolean wasAvailable =
        previous != null
            && previous.condition(Condition.AVAILABLE).map(Condition::isTrue).orElse(false);
    if (now.isTrue() && !wasAvailable) {
      events.normal(cluster, "Available", now.message());
    } else if (!now.isTrue() && wasAvailable) {
      events.warning(cluster, "Unavailable", now.reason() + ": " + now.message());
    }
    Condition degraded = status.condition(Condition.DEGRADED).orElseThrow();
    boolean wasTimedOut =
        previous != null
            && previous
                .condition(Condition.DEGRADED)
                .map(c -> StatusComputer.STEP_TIMED_OUT.equals(c.reason()))
                .orElse(false);
    if (StatusComputer.STEP_TIMED_OUT.equals(degraded.reason()) && !wasTimedOut) {
      events.warning(cluster, StatusComputer.STEP_TIMED_OUT, degraded.message());
    }
    for (String reason : List.of(BACKUP_NOT_FOUND, RESTORE_FAILED)) {
      boolean was =
          previous != null
              && previous
                  .condition(Condition.DEGRADED)
                  .map(c -> reason.equals(c.reason()))
                  .orElse(false);
      if (reason.equals(degraded.reason()) && !was) {
        events.warning(cluster, reason, degraded.message());
      }
    }
    Condition quorumLost = status.condition(Condition.QUORUM_LOST).orElseThrow();
    boolean wasQuorumLost =
        previous != null
            && previous.condition(Condition.QUORUM_LOST).map(Condition::isTrue).orElse(false);
    if (quorumLost.isTrue() && !wasQuorumLost) {
      events.warning(cluster, StatusComputer.QUORUM_LOST, quorumLost.message());
    } else if (!quorumLost.isTrue() && wasQuorumLost) {
      events.normal(cluster, "QuorumRestored", quorumLost.message());
    }
    if (previous != null && previous.clusterId() == null && status.clusterId() != null) {
      events.normal(cluster, "Bootstrapped", "Cluster " + status.clusterId() + " formed.");
    }
  }
}
