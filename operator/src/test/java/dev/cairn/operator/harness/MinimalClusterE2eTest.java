package dev.cairn.operator.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.MemberStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterStatus;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * manifests/examples/minimal.yaml end to end: the operator in process against the mock API server,
 * with three real store-node members run by the harness.
 */
class MinimalClusterE2eTest {
  private static final String NAMESPACE = "cairn";
  private static final String NAME = "example";
  private static final String VICTIM = "example-1";
  private static final ByteSequence KEY = bytes("/e2e/greeting");
  private static final ByteSequence VALUE = bytes("hello");

  // Kept after a failure: the members' logs are under logs/.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private OperatedCluster harness;
  private LocalCluster cluster;
  private Client etcd;

  @BeforeEach
  void start() {
    harness = OperatedCluster.start(dir);
    cluster = harness.local();
  }

  @AfterEach
  void stop() {
    // Both closed, the client first, even when one throws: no member outlives the test.
    try (OperatedCluster closing = harness) {
      if (etcd != null) {
        etcd.close();
      }
    }
  }

  @Test
  void minimalClusterFormsSurvivesAKilledMemberAndIsCollectedWhenDeleted() throws Exception {
    KubernetesClient client = cluster.client();
    StoreCluster applied;
    try (InputStream yaml =
        Files.newInputStream(
            LocalCluster.repository().resolve("manifests/examples/minimal.yaml"))) {
      applied = client.resources(StoreCluster.class).inNamespace(NAMESPACE).load(yaml).create();
    }

    StoreClusterStatus formed = awaitStatus(s -> assertAllHealthy(s));
    etcd = Client.builder().endpoints("http://example-client." + NAMESPACE + ".svc:2379").build();
    etcd.getKVClient().put(KEY, VALUE).get(10, TimeUnit.SECONDS);
    assertThat(value()).isEqualTo("hello");
    String victimId = member(formed, VICTIM).id();

    cluster.holdPod(NAMESPACE, VICTIM);
    cluster.killPod(NAMESPACE, VICTIM);
    StoreClusterStatus degraded =
        awaitStatus(
            s -> {
              assertThat(s.condition(Condition.DEGRADED).orElseThrow().isTrue()).isTrue();
              assertThat(member(s, VICTIM).healthy()).isFalse();
            });
    // Two of three still make a quorum.
    assertThat(degraded.condition(Condition.AVAILABLE).orElseThrow().isTrue()).isTrue();
    cluster.releasePod(NAMESPACE, VICTIM);

    StoreClusterStatus recovered = awaitStatus(s -> assertAllHealthy(s));
    assertThat(member(recovered, VICTIM).id()).isEqualTo(victimId);
    assertThat(recovered.clusterId()).isEqualTo(formed.clusterId());
    // The client's connection may have been to the killed member: it reconnects on its own.
    within().ignoreExceptions().untilAsserted(() -> assertThat(value()).isEqualTo("hello"));

    client.resource(applied).delete();
    within()
        .untilAsserted(
            () -> {
              assertThat(client.apps().statefulSets().inNamespace(NAMESPACE).list().getItems())
                  .isEmpty();
              assertThat(client.pods().inNamespace(NAMESPACE).list().getItems()).isEmpty();
              assertThat(client.services().inNamespace(NAMESPACE).list().getItems()).isEmpty();
              assertThat(client.configMaps().inNamespace(NAMESPACE).list().getItems()).isEmpty();
              assertThat(
                      client
                          .policy()
                          .v1()
                          .podDisruptionBudget()
                          .inNamespace(NAMESPACE)
                          .list()
                          .getItems())
                  .isEmpty();
              assertThat(cluster.anyMemberRunning()).isFalse();
            });
  }

  private static void assertAllHealthy(StoreClusterStatus status) {
    Condition available = status.condition(Condition.AVAILABLE).orElseThrow();
    assertThat(available.isTrue()).as(available.message()).isTrue();
    assertThat(status.condition(Condition.DEGRADED).orElseThrow().isTrue()).isFalse();
    assertThat(status.members()).hasSize(3).allMatch(m -> Boolean.TRUE.equals(m.healthy()));
    assertThat(status.leader()).isNotNull();
    assertThat(status.readyReplicas()).isEqualTo(3);
  }

  private static MemberStatus member(StoreClusterStatus status, String name) {
    return status.members().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
  }

  private StoreClusterStatus awaitStatus(Consumer<StoreClusterStatus> check) {
    return harness.awaitStatus(NAME, check);
  }

  private static ConditionFactory within() {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200));
  }

  private String value() throws Exception {
    List<KeyValue> kvs = etcd.getKVClient().get(KEY).get(5, TimeUnit.SECONDS).getKvs();
    return kvs.isEmpty() ? null : kvs.getFirst().getValue().toString(StandardCharsets.UTF_8);
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
