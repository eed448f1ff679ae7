package dev.cairn.operator.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.operator.crd.BackupLocation;
import dev.cairn.operator.crd.ObjectStoreSpec;
import dev.cairn.operator.crd.StoreBackup;
import dev.cairn.operator.crd.StoreBackupSpec;
import dev.cairn.operator.crd.StoreBackupStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterResources;
import dev.cairn.operator.crd.StoreClusterSpec;
import dev.cairn.operator.model.BackupObjects;
import dev.cairn.operator.model.StoreClusterModel;
import dev.cairn.operator.status.StatusComputer;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes each StoreBackup once, as a Job of the backup agent, and reports how it went; deleting a
 * StoreBackup deletes its objects first (with deletion policy Delete), through another Job. The
 * agent's result (key, size, SHA-256, revision) comes back as the container's termination message,
 * so the operator itself never needs the bucket's credentials.
 */
@ControllerConfiguration(
    name = StoreBackupReconciler.NAME,
    finalizerName = StoreBackupReconciler.FINALIZER)
public class StoreBackupReconciler implements Reconciler<StoreBackup>, Cleaner<StoreBackup> {
  public static final String NAME = "storebackup";

  /** Holds a deleted StoreBackup until its objects are deleted. */
  public static final String FINALIZER = "storebackups.cairn.dev/finalizer";

  /** What the reconciler creates besides events, as {@code group/resource}; RBAC must grant. */
  public static final List<String> OWNED_RESOURCES = List.of("batch/jobs");

  /** How often a backup under way is looked at, besides its Job's events. */
  static final Duration POLL = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(StoreBackupReconciler.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final EventRecorder events;
  private final Clock clock;

  public StoreBackupReconciler(KubernetesClient client, Clock clock) {
    this.client = client;
    this.events = new EventRecorder(client, clock);
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, StoreBackup>> prepareEventSources(
      EventSourceContext<StoreBackup> context) {
    // A Job finishing wakes its StoreBackup at once, through the owner reference.
    return List.of(
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Job.class, StoreBackup.class).build(), context));
  }

  @Override
  public UpdateControl<StoreBackup> reconcile(StoreBackup backup, Context<StoreBackup> context) {
    StoreBackupStatus status = reconcile(backup);
    StoreBackup patch = new StoreBackup();
    patch.getMetadata().setName(backup.getMetadata().getName());
    patch.getMetadata().setNamespace(backup.getMetadata().getNamespace());
    patch.setStatus(status);
    UpdateControl<StoreBackup> control = UpdateControl.patchStatus(patch);
    return status.finished() ? control : control.rescheduleAfter(POLL);
  }

  @Override
  public DeleteControl cleanup(StoreBackup backup, Context<StoreBackup> context) {
    return deleteObjects(backup)
        ? DeleteControl.defaultDelete()
        : DeleteControl.noFinalizerRemoval().rescheduleAfter(POLL);
  }

  /** One pass over a backup; returns its status. */
  public StoreBackupStatus reconcile(StoreBackup backup) {
    StoreBackupStatus status = backup.getStatus();
    if (status != null && status.finished()) {
      return status;
    }
    String namespace = backup.getMetadata().getNamespace();
    StoreBackupSpec spec = backup.getSpec();
    if (status == null || status.jobName() == null) {
      StoreCluster cluster = cluster(namespace, spec.clusterName());
      if (cluster == null) {
        return failed(backup, status, "StoreCluster " + spec.clusterName() + " does not exist");
      }
      StoreClusterModel model = StoreClusterModel.fromCrd(cluster);
      ObjectStoreSpec store = objectStore(spec, model.spec());
      if (store == null) {
        return failed(
            backup,
            status,
            "no object store: set spec.objectStore, or spec.backup.objectStore of StoreCluster "
                + spec.clusterName());
      }
      if (cluster.getStatus() == null || cluster.getStatus().clusterId() == null) {
        return pending(
            status, store, "waiting for StoreCluster " + spec.clusterName() + " to form");
      }
      Job job = BackupObjects.backupJob(backup, model, store);
      if (client.resource(job).get() == null) {
        client.resource(job).create();
        events.normal(backup, "BackupStarted", "Created Job " + job.getMetadata().getName() + ".");
      }
      status =
          StoreBackupStatus.without(
              StoreBackupStatus.PENDING,
              "Job " + job.getMetadata().getName() + " created",
              job.getMetadata().getName(),
              store,
              null,
              null);
    }
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(status.jobName()).get();
    if (job == null) {
      return failed(backup, status, "Job " + status.jobName() + " was deleted before it finished");
    }
    String started =
        job.getStatus() == null || job.getStatus().getStartTime() == null
            ? null
            : job.getStatus().getStartTime();
    if (condition(job, "Complete")) {
      return succeeded(backup, status, job, started);
    }
    if (condition(job, "Failed")) {
      String why =
          lastTermination(namespace, job.getMetadata().getName())
              .map(StoreBackupReconciler::lastLine)
              .orElse(conditionMessage(job, "Failed"));
      return failed(backup, withStart(status, started), why);
    }
    if (started != null) {
      return StoreBackupStatus.without(
          StoreBackupStatus.RUNNING,
          "Job " + job.getMetadata().getName() + " is running",
          status.jobName(),
          status.objectStore(),
          started,
          null);
    }
    return status;
  }

  /**
   * Deletes a deleted StoreBackup's objects, when its policy says so; true once its finalizer may
   * go.
   */
  public boolean deleteObjects(StoreBackup backup) {
    StoreBackupStatus status = backup.getStatus();
    if (StoreBackupSpec.RETAIN.equals(backup.getSpec().deletionPolicy())
        || status == null
        || status.key() == null
        || status.objectStore() == null) {
      return true;
    }
    String namespace = backup.getMetadata().getNamespace();
    String name = StoreClusterResources.backupDeleteJobName(backup.getMetadata().getName());
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    if (job == null) {
      StoreCluster cluster = cluster(namespace, backup.getSpec().clusterName());
      // The cluster may be gone with its spec; the agent of the default version then deletes.
      StoreClusterSpec clusterSpec =
          cluster == null ? StoreClusterSpec.defaults() : cluster.getSpec();
      String serviceAccount =
          clusterSpec.backup() == null ? null : clusterSpec.backup().serviceAccountName();
      client
          .resource(
              BackupObjects.deleteJob(
                  backup,
                  new BackupLocation(status.objectStore(), status.key()),
                  BackupObjects.agentImage(clusterSpec),
                  serviceAccount))
          .create();
      return false;
    }
    if (condition(job, "Complete")) {
      log.info(
          "Deleted the objects of StoreBackup {}/{}", namespace, backup.getMetadata().getName());
      return true;
    }
    if (condition(job, "Failed")) {
      String why = lastTermination(namespace, name).map(StoreBackupReconciler::lastLine).orElse("");
      events.warning(
          backup,
          "DeleteFailed",
          "Could not delete " + status.key() + "; it is left in the bucket: " + why);
      return true;
    }
    return false;
  }

  private StoreBackupStatus succeeded(
      StoreBackup backup, StoreBackupStatus status, Job job, String started) {
    String namespace = backup.getMetadata().getNamespace();
    Optional<String> message = lastTermination(namespace, job.getMetadata().getName());
    JsonNode result;
    try {
      result = JSON.readTree(message.orElse("").strip());
    } catch (java.io.IOException e) {
      result = null;
    }
    if (result == null || !result.hasNonNull("key")) {
      return failed(
          backup,
          withStart(status, started),
          "Job " + job.getMetadata().getName() + " succeeded but reported no backup");
    }
    String completed =
        job.getStatus().getCompletionTime() != null
            ? job.getStatus().getCompletionTime()
            : StatusComputer.rfc3339(clock.instant());
    StoreBackupStatus done =
        new StoreBackupStatus(
            StoreBackupStatus.SUCCEEDED,
            "backed up revision "
                + result.path("revision").asLong()
                + " to "
                + result.get("key").asText(),
            status.jobName(),
            status.objectStore(),
            result.get("key").asText(),
            result.path("size").asLong(),
            result.path("sha256").asText(null),
            result.path("revision").asLong(),
            result.path("clusterId").asText(null),
            started,
            completed);
    events.normal(backup, "BackupSucceeded", done.message() + ".");
    return done;
  }

  private StoreBackupStatus failed(StoreBackup backup, StoreBackupStatus status, String why) {
    StoreBackupStatus done =
        StoreBackupStatus.without(
            StoreBackupStatus.FAILED,
            why,
            status == null ? null : status.jobName(),
            status == null ? null : status.objectStore(),
            status == null ? null : status.startTime(),
            StatusComputer.rfc3339(clock.instant()));
    events.warning(backup, "BackupFailed", why);
    return done;
  }

  private static StoreBackupStatus pending(
      StoreBackupStatus status, ObjectStoreSpec store, String why) {
    return StoreBackupStatus.without(
        StoreBackupStatus.PENDING,
        why,
        status == null ? null : status.jobName(),
        store,
        null,
        null);
  }

  private static StoreBackupStatus withStart(StoreBackupStatus status, String started) {
    return StoreBackupStatus.without(
        status.phase(), status.message(), status.jobName(), status.objectStore(), started, null);
  }

  private StoreCluster cluster(String namespace, String name) {
    return client.resources(StoreCluster.class).inNamespace(namespace).withName(name).get();
  }

  /** The StoreBackup's own object store, or its cluster's. */
  static ObjectStoreSpec objectStore(StoreBackupSpec spec, StoreClusterSpec cluster) {
    if (spec.objectStore() != null) {
      return spec.objectStore();
    }
    return cluster.backup() == null ? null : cluster.backup().objectStore();
  }

  private static boolean condition(Job job, String type) {
    return job.getStatus() != null
        && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream()
            .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static String conditionMessage(Job job, String type) {
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .map(c -> c.getReason() + (c.getMessage() == null ? "" : ": " + c.getMessage()))
        .findFirst()
        .orElse(type);
  }

  /** The termination message of the Job's newest finished pod, if it left one. */
  private Optional<String> lastTermination(String namespace, String job) {
    List<Pod> pods =
        client.pods().inNamespace(namespace).withLabel("job-name", job).list().getItems();
    return pods.stream()
        .sorted(
            Comparator.comparing(
                    (Pod p) -> p.getMetadata().getCreationTimestamp(),
                    Comparator.nullsFirst(Comparator.naturalOrder()))
                .reversed())
        .map(StoreBackupReconciler::terminationMessage)
        .flatMap(Optional::stream)
        .findFirst();
  }

  private static Optional<String> terminationMessage(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(c -> BackupObjects.AGENT_CONTAINER.equals(c.getName()))
        .map(ContainerStatus::getState)
        .filter(s -> s != null && s.getTerminated() != null)
        .map(s -> s.getTerminated())
        .map(ContainerStateTerminated::getMessage)
        .filter(m -> m != null && !m.isBlank())
        .findFirst();
  }

  /** A log tail's last line: the agent's one-line reason. */
  static String lastLine(String text) {
    List<String> lines = text.strip().lines().toList();
    return lines.isEmpty() ? "" : lines.getLast();
  }
}
