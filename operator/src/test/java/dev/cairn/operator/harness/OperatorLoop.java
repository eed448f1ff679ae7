package dev.cairn.operator.harness;

import dev.cairn.operator.crd.StoreBackup;
import dev.cairn.operator.crd.StoreBackupStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.reconciler.StoreBackupReconciler;
import dev.cairn.operator.reconciler.StoreClusterReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator in process: every StoreCluster and StoreBackup reconciled on a short period and its
 * status written back, as java-operator-sdk would on events and its maximum reconciliation
 * interval, and a StoreBackup's finalizer added and removed as the SDK does for a {@code Cleaner}.
 * A period instead of events keeps the harness free of the SDK's informers and server-side apply,
 * which the mock API server does not implement.
 */
public final class OperatorLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OperatorLoop.class);

  private final KubernetesClient client;
  private final StoreClusterReconciler reconciler;
  private final StoreBackupReconciler backups;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();

  private OperatorLoop(KubernetesClient client, StoreClusterReconciler reconciler) {
    this.client = client;
    this.reconciler = reconciler;
    this.backups = new StoreBackupReconciler(client, Clock.systemUTC());
  }

  /** Reconciles every {@code periodMillis} until closed. */
  public static OperatorLoop start(
      KubernetesClient client, StoreClusterReconciler reconciler, long periodMillis) {
    OperatorLoop operator = new OperatorLoop(client, reconciler);
    operator.loop.scheduleWithFixedDelay(
        operator::reconcileAll, 0, periodMillis, TimeUnit.MILLISECONDS);
    return operator;
  }

  private void reconcileAll() {
    for (StoreCluster cluster :
        client.resources(StoreCluster.class).inAnyNamespace().list().getItems()) {
      try {
        StoreClusterStatus status = reconciler.reconcile(cluster);
        client
            .resources(StoreCluster.class)
            .inNamespace(cluster.getMetadata().getNamespace())
            .withName(cluster.getMetadata().getName())
            .editStatus(
                latest -> {
                  latest.setStatus(status);
                  return latest;
                });
      } catch (KubernetesClientException e) {
        // Deleted or changed meanwhile: the next pass sees the new state.
        log.info("Reconcile of {} failed: {}", cluster.getMetadata().getName(), e.toString());
      }
    }
    for (StoreBackup backup :
        client.resources(StoreBackup.class).inAnyNamespace().list().getItems()) {
      try {
        reconcileBackup(backup);
      } catch (KubernetesClientException e) {
        log.info("Reconcile of {} failed: {}", backup.getMetadata().getName(), e.toString());
      }
    }
  }

  private void reconcileBackup(StoreBackup backup) {
    var named =
        client
            .resources(StoreBackup.class)
            .inNamespace(backup.getMetadata().getNamespace())
            .withName(backup.getMetadata().getName());
    boolean finalized =
        backup.getMetadata().getFinalizers().contains(StoreBackupReconciler.FINALIZER);
    if (backup.getMetadata().getDeletionTimestamp() != null) {
      if (finalized && backups.deleteObjects(backup)) {
        named.edit(
            latest -> {
              latest.getMetadata().getFinalizers().remove(StoreBackupReconciler.FINALIZER);
              return latest;
            });
      }
      return;
    }
    if (!finalized) {
      named.edit(
          latest -> {
            latest.getMetadata().getFinalizers().add(StoreBackupReconciler.FINALIZER);
            return latest;
          });
    }
    StoreBackupStatus status = backups.reconcile(backup);
    if (!status.equals(backup.getStatus())) {
      named.editStatus(
          latest -> {
            latest.setStatus(status);
            return latest;
          });
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
    try {
      loop.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
