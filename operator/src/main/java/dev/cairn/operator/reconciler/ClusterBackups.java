package dev.cairn.operator.reconciler;

import dev.cairn.operator.backup.BackupRetention;
import dev.cairn.operator.backup.BackupSchedule;
import dev.cairn.operator.crd.BackupSpec;
import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.StoreBackup;
import dev.cairn.operator.crd.StoreBackupSpec;
import dev.cairn.operator.crd.StoreBackupStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterResources;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.crd.StoreClusterStatus.BackupStatus;
import dev.cairn.operator.model.Labels;
import dev.cairn.operator.status.StatusComputer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's side of backups: a StoreBackup for each run of the schedule, retention of scheduled
 * ones, and what the cluster's status says of them. StoreBackups are not owned by the cluster:
 * backups outlive it, which is what they are for.
 */
final class ClusterBackups {
  private static final Logger log = LoggerFactory.getLogger(ClusterBackups.class);

  static final String SUCCEEDED = "BackupSucceeded";
  static final String FAILED = "BackupFailed";
  static final String NO_BACKUP_YET = "NoBackupYet";
  static final String INVALID_SCHEDULE = "InvalidSchedule";

  /**
   * What this pass made of backups.
   *
   * @param status the cluster's backup status; null when backups are not configured
   * @param condition BackupReady; null when backups are neither configured nor taken
   * @param nextRun when the schedule is next due, to look again then
   */
  record Outcome(BackupStatus status, Condition condition, Optional<Instant> nextRun) {}

  private final KubernetesClient client;
  private final EventRecorder events;

  ClusterBackups(KubernetesClient client, EventRecorder events) {
    this.client = client;
    this.events = events;
  }

  /**
   * Makes the StoreBackup due now, if any, and deletes what retention lets go.
   *
   * @param formed whether the cluster has formed; a schedule waits for it
   */
  Outcome reconcile(
      StoreCluster cluster, boolean formed, StoreClusterStatus previous, Instant now) {
    String name = cluster.getMetadata().getName();
    String namespace = cluster.getMetadata().getNamespace();
    BackupSpec spec = cluster.getSpec().backup();
    List<StoreBackup> backups =
        client.resources(StoreBackup.class).inNamespace(namespace).list().getItems().stream()
            .filter(b -> b.getSpec() != null && name.equals(b.getSpec().clusterName()))
            .toList();
    BackupStatus before = previous == null ? null : previous.backup();
    String lastScheduled = before == null ? null : before.lastScheduleTime();
    Optional<Instant> nextRun = Optional.empty();
    String scheduleError = null;
    if (spec != null && spec.schedule() != null) {
      try {
        BackupSchedule schedule = BackupSchedule.parse(spec.schedule());
        Instant after =
            lastScheduled != null
                ? Instant.parse(lastScheduled)
                : Optional.ofNullable(cluster.getMetadata().getCreationTimestamp())
                    .map(Instant::parse)
                    .orElse(now);
        Optional<Instant> due = schedule.due(after, now);
        if (due.isPresent() && formed && !spec.suspend()) {
          schedule(cluster, backups, due.get());
          lastScheduled = StatusComputer.rfc3339(due.get());
        }
        nextRun = schedule.next(now);
        retain(cluster, spec, backups, now);
      } catch (IllegalArgumentException e) {
        scheduleError = e.getMessage();
      }
    }
    Optional<StoreBackup> lastSuccess =
        backups.stream()
            .filter(b -> b.getStatus() != null && b.getStatus().succeeded())
            .max(Comparator.comparing(ClusterBackups::finishedAt));
    Condition condition =
        backupReady(
            spec != null,
            scheduleError,
            backups.stream()
                .filter(b -> b.getStatus() != null && b.getStatus().finished())
                .max(Comparator.comparing(ClusterBackups::finishedAt)),
            spec != null && !spec.suspend() ? nextRun : Optional.empty());
    BackupStatus status =
        spec == null && backups.isEmpty()
            ? null
            : new BackupStatus(
                lastScheduled,
                spec != null && !spec.suspend()
                    ? nextRun.map(StatusComputer::rfc3339).orElse(null)
                    : null,
                lastSuccess.map(b -> b.getMetadata().getName()).orElse(null),
                lastSuccess.map(b -> b.getStatus().completionTime()).orElse(null),
                lastSuccess.map(b -> b.getStatus().revision()).orElse(null));
    return new Outcome(status, condition, nextRun);
  }

  private void schedule(StoreCluster cluster, List<StoreBackup> backups, Instant due) {
    String name = cluster.getMetadata().getName();
    Optional<StoreBackup> running =
        backups.stream()
            .filter(b -> "true".equals(labels(b).get(Labels.BACKUP_SCHEDULED)))
            .filter(b -> b.getStatus() == null || !b.getStatus().finished())
            .findFirst();
    if (running.isPresent()) {
      // As a CronJob with concurrencyPolicy Forbid: one scheduled backup at a time.
      events.warning(
          cluster,
          "BackupSkipped",
          "Skipped the backup due at "
              + StatusComputer.rfc3339(due)
              + ": "
              + running.get().getMetadata().getName()
              + " has not finished.");
      return;
    }
    StoreBackup backup =
        StoreBackup.of(
            cluster.getMetadata().getNamespace(),
            StoreClusterResources.scheduledBackupName(name, due),
            new StoreBackupSpec(name, null, StoreBackupSpec.DELETE));
    backup
        .getMetadata()
        .setLabels(Map.of(Labels.BACKUP_CLUSTER, name, Labels.BACKUP_SCHEDULED, "true"));
    try {
      client.resource(backup).create();
      events.normal(
          cluster,
          "BackupScheduled",
          "Created StoreBackup " + backup.getMetadata().getName() + " for the schedule.");
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // Made by a pass whose status update was lost: the run exists, which is what counts.
      log.info("StoreBackup {} exists already", backup.getMetadata().getName());
    }
  }

  private void retain(
      StoreCluster cluster, BackupSpec spec, List<StoreBackup> backups, Instant now) {
    List<BackupRetention.Backup> scheduled =
        backups.stream()
            .filter(b -> "true".equals(labels(b).get(Labels.BACKUP_SCHEDULED)))
            .filter(b -> b.getMetadata().getDeletionTimestamp() == null)
            .map(
                b ->
                    new BackupRetention.Backup(
                        b.getMetadata().getName(), outcome(b.getStatus()), finishedAt(b)))
            .toList();
    for (String doomed :
        BackupRetention.toDelete(
            scheduled, spec.retention().keepLast(), spec.retention().maxAgeDuration(), now)) {
      client
          .resources(StoreBackup.class)
          .inNamespace(cluster.getMetadata().getNamespace())
          .withName(doomed)
          .delete();
      events.normal(cluster, "BackupPruned", "Deleted StoreBackup " + doomed + " (retention).");
    }
  }

  /**
   * BackupReady: True when the newest finished backup succeeded, False when it failed, when none
   * has finished yet, or when the schedule cannot be read; null when backups are neither configured
   * nor taken.
   */
  static Condition backupReady(
      boolean configured,
      String scheduleError,
      Optional<StoreBackup> newestFinished,
      Optional<Instant> nextRun) {
    if (scheduleError != null) {
      return condition(Condition.FALSE, INVALID_SCHEDULE, scheduleError);
    }
    if (newestFinished.isEmpty()) {
      if (!configured) {
        return null;
      }
      return condition(
          Condition.FALSE,
          NO_BACKUP_YET,
          "No backup has completed yet"
              + nextRun.map(t -> "; the next is due at " + StatusComputer.rfc3339(t)).orElse("")
              + ".");
    }
    StoreBackup newest = newestFinished.get();
    StoreBackupStatus status = newest.getStatus();
    if (status.succeeded()) {
      return condition(
          Condition.TRUE,
          SUCCEEDED,
          "StoreBackup "
              + newest.getMetadata().getName()
              + " holds revision "
              + status.revision()
              + " ("
              + status.completionTime()
              + ").");
    }
    return condition(
        Condition.FALSE,
        FAILED,
        "StoreBackup " + newest.getMetadata().getName() + " failed: " + status.message());
  }

  private static Condition condition(String status, String reason, String message) {
    return new Condition(Condition.BACKUP_READY, status, reason, message, null, null);
  }

  private static BackupRetention.Outcome outcome(StoreBackupStatus status) {
    if (status == null || !status.finished()) {
      return BackupRetention.Outcome.RUNNING;
    }
    return status.succeeded() ? BackupRetention.Outcome.SUCCEEDED : BackupRetention.Outcome.FAILED;
  }

  /** When a backup finished, or else when it was made. */
  static Instant finishedAt(StoreBackup backup) {
    String time =
        backup.getStatus() != null && backup.getStatus().completionTime() != null
            ? backup.getStatus().completionTime()
            : backup.getMetadata().getCreationTimestamp();
    return time == null ? Instant.EPOCH : Instant.parse(time);
  }

  private static Map<String, String> labels(StoreBackup backup) {
    return Objects.requireNonNullElse(backup.getMetadata().getLabels(), Map.of());
  }

  /** How long until {@code next}, for a reconciler to look again then. */
  static Duration until(Instant next, Instant now) {
    Duration d = Duration.between(now, next);
    return d.isNegative() ? Duration.ZERO : d;
  }
}
