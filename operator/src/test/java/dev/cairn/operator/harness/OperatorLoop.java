package dev.cairn.operator.harness;

import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.reconciler.StoreClusterReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator in process: every StoreCluster reconciled on a short period and its status written
 * back, as java-operator-sdk would on events and its maximum reconciliation interval. A period
 * instead of events keeps the harness free of the SDK's informers and server-side apply, which the
 * mock API server does not implement.
 */
public final class OperatorLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OperatorLoop.class);

  private final KubernetesClient client;
  private final StoreClusterReconciler reconciler;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();

  private OperatorLoop(KubernetesClient client, StoreClusterReconciler reconciler) {
    this.client = client;
    this.reconciler = reconciler;
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
