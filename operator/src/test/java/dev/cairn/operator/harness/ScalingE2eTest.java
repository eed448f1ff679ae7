package dev.cairn.operator.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.MemberStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.reconciler.MockApiReconciler;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * manifests/examples/minimal.yaml scaled 3 → 5 → 3 by patching spec.replicas while a client keeps
 * writing: the operator adds learners, promotes them, moves leadership off and removes members one
 * at a time, and no acknowledged write is lost.
 */
class ScalingE2eTest {
  private static final String NAMESPACE = "cairn";
  private static final String NAME = "example";
  private static final String ENDPOINT = "http://example-client." + NAMESPACE + ".svc:2379";

  // Kept after a failure: the members' logs are under logs/.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private LocalCluster cluster;
  private OperatorLoop operator;
  private Client etcd;
  private Writer writer;

  @BeforeEach
  void start() {
    cluster = LocalCluster.start(dir);
    operator =
        OperatorLoop.start(
            cluster.client(),
            MockApiReconciler.withJetcd(cluster.client(), Duration.ofSeconds(2)),
            300);
  }

  @AfterEach
  void stop() {
    // Every step runs even when an earlier one throws, so no member outlives the test.
    try {
      if (writer != null) {
        writer.close();
      }
      if (etcd != null) {
        etcd.close();
      }
    } finally {
      try {
        if (operator != null) {
          operator.close();
        }
      } finally {
        if (cluster != null) {
          cluster.close();
        }
      }
    }
  }

  @Test
  void scalesThreeToFiveToThreeMemberByMemberWithoutLosingAcknowledgedWrites() throws Exception {
    KubernetesClient client = cluster.client();
    try (InputStream yaml =
        Files.newInputStream(
            LocalCluster.repository().resolve("manifests/examples/minimal.yaml"))) {
      client.resources(StoreCluster.class).inNamespace(NAMESPACE).load(yaml).create();
    }
    StoreClusterStatus formed = awaitStatus(s -> assertAllHealthy(s, 3));
    etcd = Client.builder().endpoints(ENDPOINT).build();
    writer = new Writer(etcd);
    writer.start();

    scaleTo(5);
    StoreClusterStatus five = awaitStatus(s -> assertAllHealthy(s, 5));
    assertThat(five.members())
        .extracting(MemberStatus::name)
        .containsExactly("example-0", "example-1", "example-2", "example-3", "example-4");
    assertThat(five.clusterId()).isEqualTo(formed.clusterId());
    assertThat(statefulSetReplicas()).isEqualTo(5);

    scaleTo(3);
    StoreClusterStatus three = awaitStatus(s -> assertAllHealthy(s, 3));
    assertThat(three.members())
        .extracting(MemberStatus::name)
        .containsExactly("example-0", "example-1", "example-2");
    assertThat(three.clusterId()).isEqualTo(formed.clusterId());
    within()
        .untilAsserted(
            () -> {
              assertThat(statefulSetReplicas()).isEqualTo(3);
              assertThat(client.pods().inNamespace(NAMESPACE).list().getItems()).hasSize(3);
            });
    assertThat(
            client
                .configMaps()
                .inNamespace(NAMESPACE)
                .withName("example-bootstrap")
                .get()
                .getData()
                .get("initial-cluster"))
        .doesNotContain("example-3")
        .doesNotContain("example-4");

    writer.close();
    List<String> acknowledged = List.copyOf(writer.acknowledged);
    assertThat(acknowledged).as("writes acknowledged during scaling").hasSizeGreaterThan(20);
    // Read through a fresh client: every acknowledged key is there.
    try (Client reader = Client.builder().endpoints(ENDPOINT).build()) {
      within()
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                List<KeyValue> kvs =
                    reader
                        .getKVClient()
                        .get(
                            bytes(Writer.PREFIX),
                            io.etcd.jetcd.options.GetOption.builder().isPrefix(true).build())
                        .get(10, TimeUnit.SECONDS)
                        .getKvs();
                List<String> keys =
                    kvs.stream().map(kv -> kv.getKey().toString(StandardCharsets.UTF_8)).toList();
                assertThat(keys).containsAll(acknowledged);
              });
    }
  }

  private void scaleTo(int replicas) {
    cluster
        .client()
        .resources(StoreCluster.class)
        .inNamespace(NAMESPACE)
        .withName(NAME)
        .edit(
            c -> {
              c.setSpec(c.getSpec().withReplicas(replicas));
              return c;
            });
  }

  private int statefulSetReplicas() {
    return cluster
        .client()
        .apps()
        .statefulSets()
        .inNamespace(NAMESPACE)
        .withName(NAME)
        .get()
        .getSpec()
        .getReplicas();
  }

  /**
   * Puts {@code PREFIX<n>} for n = 0, 1, … one at a time, a few milliseconds apart, recording the
   * acknowledged keys.
   */
  private static final class Writer implements AutoCloseable {
    static final String PREFIX = "/scaling/";

    final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
    private final Client etcd;
    private final ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "scaling-writer");
              t.setDaemon(true);
              return t;
            });
    private int next;

    Writer(Client etcd) {
      this.etcd = etcd;
    }

    void start() {
      // A fixed delay after each acknowledged or failed put keeps one write in flight at a time.
      executor.scheduleWithFixedDelay(this::writeOne, 0, 20, TimeUnit.MILLISECONDS);
    }

    private void writeOne() {
      String key = PREFIX + String.format("%06d", next++);
      try {
        etcd.getKVClient().put(bytes(key), bytes("v")).get(5, TimeUnit.SECONDS);
        acknowledged.add(key);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // Not acknowledged: it may or may not have been applied; only acknowledged keys count.
      }
    }

    @Override
    public void close() {
      executor.shutdown();
      try {
        executor.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void assertAllHealthy(StoreClusterStatus status, int members) {
    Condition available = status.condition(Condition.AVAILABLE).orElseThrow();
    assertThat(available.isTrue()).as(available.message()).isTrue();
    Condition progressing = status.condition(Condition.PROGRESSING).orElseThrow();
    assertThat(progressing.isTrue()).as(progressing.message()).isFalse();
    assertThat(status.condition(Condition.DEGRADED).orElseThrow().isTrue()).isFalse();
    assertThat(status.members())
        .hasSize(members)
        .allMatch(m -> Boolean.TRUE.equals(m.healthy()))
        .noneMatch(m -> MemberStatus.LEARNER.equals(m.role()));
    assertThat(status.leader()).isNotNull();
    assertThat(status.readyReplicas()).isEqualTo(members);
  }

  /** Waits for a status passing {@code check}; on timeout the last failed assertion says why. */
  private StoreClusterStatus awaitStatus(Consumer<StoreClusterStatus> check) {
    AtomicReference<StoreClusterStatus> passed = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              StoreCluster current =
                  cluster
                      .client()
                      .resources(StoreCluster.class)
                      .inNamespace(NAMESPACE)
                      .withName(NAME)
                      .get();
              assertThat(current.getStatus()).isNotNull();
              check.accept(current.getStatus());
              passed.set(current.getStatus());
            });
    return passed.get();
  }

  private static ConditionFactory within() {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200));
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
