package dev.cairn.operator.reconciler;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes core/v1 Events about a StoreCluster, so {@code kubectl describe sc} tells its story. */
public final class EventRecorder {
  public static final String COMPONENT = "cairn-operator";

  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);

  private final KubernetesClient client;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /** A Normal event. */
  public void normal(HasMetadata cluster, String reason, String message) {
    record(cluster, "Normal", reason, message);
  }

  /** A Warning event. */
  public void warning(HasMetadata cluster, String reason, String message) {
    record(cluster, "Warning", reason, message);
  }

  private void record(HasMetadata cluster, String type, String reason, String message) {
    String now =
        DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(cluster.getMetadata().getName() + ".")
            .withNamespace(cluster.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(cluster.getApiVersion())
            .withKind(cluster.getKind())
            .withName(cluster.getMetadata().getName())
            .withNamespace(cluster.getMetadata().getNamespace())
            .withUid(cluster.getMetadata().getUid())
            .endInvolvedObject()
            .withType(type)
            .withReason(reason)
            .withMessage(message)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .build();
    try {
      client
          .v1()
          .events()
          .inNamespace(cluster.getMetadata().getNamespace())
          .resource(event)
          .create();
    } catch (KubernetesClientException e) {
      // An event is a courtesy; failing to write one must not fail the reconcile.
      log.warn(
          "Cannot record event {} on {}/{}: {}",
          reason.toLowerCase(Locale.ROOT),
          cluster.getMetadata().getNamespace(),
          cluster.getMetadata().getName(),
          e.getMessage());
    }
  }
}
