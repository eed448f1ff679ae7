package dev.cairn.operator.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.MemberStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterSpec;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.reconciler.MockApiReconciler;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * manifests/examples/minimal.yaml ({@code example} in namespace {@code cairn}) on the local harness
 * with the operator running: what a scenario needs to create it, change its spec, watch its status
 * and events, and talk to it.
 */
final class OperatedCluster implements AutoCloseable {
  static final String NAMESPACE = "cairn";
  static final String NAME = "example";
  static final String ENDPOINT = "http://example-client." + NAMESPACE + ".svc:2379";

  private final LocalCluster local;
  private final OperatorLoop operator;
  private Client etcd;

  private OperatedCluster(LocalCluster local, OperatorLoop operator) {
    this.local = local;
    this.operator = operator;
  }

  /** The harness and the operator, with no StoreCluster yet. */
  static OperatedCluster start(Path dir) {
    LocalCluster local = LocalCluster.start(dir);
    try {
      return new OperatedCluster(
          local,
          OperatorLoop.start(
              local.client(),
              MockApiReconciler.withJetcd(local.client(), Duration.ofSeconds(2)),
              300));
    } catch (RuntimeException e) {
      local.close();
      throw e;
    }
  }

  /**
   * The harness and the operator, with minimal.yaml's cluster created as {@code edit} changes it.
   */
  static OperatedCluster create(Path dir, UnaryOperator<StoreClusterSpec> edit) {
    OperatedCluster operated = start(dir);
    try {
      StoreCluster example;
      try (InputStream yaml =
          Files.newInputStream(
              LocalCluster.repository().resolve("manifests/examples/minimal.yaml"))) {
        example = operated.client().resources(StoreCluster.class).load(yaml).item();
      }
      example.setSpec(edit.apply(example.getSpec()));
      operated
          .client()
          .resources(StoreCluster.class)
          .inNamespace(NAMESPACE)
          .resource(example)
          .create();
      return operated;
    } catch (IOException | RuntimeException e) {
      try (OperatedCluster closing = operated) {
        throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
      }
    }
  }

  LocalCluster local() {
    return local;
  }

  KubernetesClient client() {
    return local.client();
  }

  /** A jetcd client of the cluster's client Service, made once. */
  Client etcd() {
    if (etcd == null) {
      etcd = Client.builder().endpoints(ENDPOINT).build();
    }
    return etcd;
  }

  /**
   * Changes the spec and waits until a pass of the operator that read the new one has written its
   * status: a pass already under way when the spec changed acts on the old one, and a scenario's
   * next move must not race it.
   */
  void editSpec(UnaryOperator<StoreClusterSpec> edit) {
    StoreCluster edited =
        client()
            .resources(StoreCluster.class)
            .inNamespace(NAMESPACE)
            .withName(NAME)
            .edit(
                c -> {
                  c.setSpec(edit.apply(c.getSpec()));
                  return c;
                });
    long generation = edited.getMetadata().getGeneration();
    awaitStatus(s -> assertThat(s.observedGeneration()).isGreaterThanOrEqualTo(generation));
  }

  /** Waits for a status passing {@code check}; on timeout the last failed assertion says why. */
  StoreClusterStatus awaitStatus(Consumer<StoreClusterStatus> check) {
    return awaitStatus(NAME, check);
  }

  /** As {@link #awaitStatus(Consumer)}, of the StoreCluster {@code name} in the namespace. */
  StoreClusterStatus awaitStatus(String name, Consumer<StoreClusterStatus> check) {
    AtomicReference<StoreClusterStatus> passed = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              StoreClusterStatus status = status(name);
              assertThat(status).isNotNull();
              check.accept(status);
              passed.set(status);
            });
    return passed.get();
  }

  StoreClusterStatus status() {
    return status(NAME);
  }

  StoreClusterStatus status(String name) {
    return client()
        .resources(StoreCluster.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .get()
        .getStatus();
  }

  /** The operator's events about the cluster, oldest first, as {@code Reason: message}. */
  List<String> events() {
    return client().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        // The API server's resource versions grow with each write: the order they were made.
        .sorted(
            Comparator.comparingLong(
                (Event e) -> Long.parseLong(e.getMetadata().getResourceVersion())))
        .map(e -> e.getReason() + ": " + e.getMessage())
        .toList();
  }

  /** Each member pod's pod template hash, by pod name. */
  Map<String, String> templateHashes() {
    return client().pods().inNamespace(NAMESPACE).list().getItems().stream()
        .collect(
            Collectors.toMap(
                p -> p.getMetadata().getName(),
                p ->
                    p.getMetadata()
                        .getAnnotations()
                        .getOrDefault("cairn.dev/pod-template-hash", "")));
  }

  StatefulSet statefulSet() {
    return client().apps().statefulSets().inNamespace(NAMESPACE).withName(NAME).get();
  }

  /** Available with every member a healthy voter, no step in flight, and the pods ready. */
  static void assertSettled(StoreClusterStatus status, int members) {
    Condition available = status.condition(Condition.AVAILABLE).orElseThrow();
    assertThat(available.isTrue()).as(available.message()).isTrue();
    Condition progressing = status.condition(Condition.PROGRESSING).orElseThrow();
    assertThat(progressing.isTrue()).as(progressing.message()).isFalse();
    Condition degraded = status.condition(Condition.DEGRADED).orElseThrow();
    assertThat(degraded.isTrue()).as(degraded.message()).isFalse();
    assertThat(status.condition(Condition.QUORUM_LOST).map(Condition::isTrue)).contains(false);
    assertThat(status.members())
        .hasSize(members)
        .allMatch(m -> Boolean.TRUE.equals(m.healthy()))
        .noneMatch(m -> MemberStatus.LEARNER.equals(m.role()));
    assertThat(status.leader()).isNotNull();
    assertThat(status.readyReplicas()).isEqualTo(members);
    assertThat(status.step()).as("step in flight").isNull();
  }

  /** Stops the operator, every store-node process, and the harness; each even if one fails. */
  @Override
  public void close() {
    try (LocalCluster closingLocal = local;
        OperatorLoop closingOperator = operator) {
      if (etcd != null) {
        etcd.close();
      }
    }
  }
}
