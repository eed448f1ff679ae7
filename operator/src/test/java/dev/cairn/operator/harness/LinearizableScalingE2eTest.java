package dev.cairn.operator.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.MemberStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.store.linearizability.CheckResult;
import dev.cairn.store.linearizability.History;
import dev.cairn.store.linearizability.KvInput;
import dev.cairn.store.linearizability.KvOutput;
import dev.cairn.store.linearizability.KvWorkload;
import dev.cairn.store.linearizability.LinearizabilityAssertions;
import dev.cairn.store.linearizability.OpMix;
import dev.cairn.store.linearizability.Operation;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * manifests/examples/minimal.yaml scaled 3 → 5 → 3 → 1 → 3 by patching spec.replicas while clients
 * put, read and compare-and-swap through the client Service. After each step the status settles on
 * exactly the members asked for; at the end every acknowledged write is readable and the whole
 * history passes store-node's linearizability checker.
 */
class LinearizableScalingE2eTest {
  private static final String NAMESPACE = "cairn";
  private static final String NAME = "example";
  private static final String ENDPOINT = "http://example-client." + NAMESPACE + ".svc:2379";
  private static final List<String> KEYS =
      IntStream.range(0, 8).mapToObj(i -> "/linearizable-scaling/" + i).toList();

  /** The client id of the final reads, apart from the workload's 1…n. */
  private static final int READER = 1000;

  // Kept after a failure: the members' logs are under logs/.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private OperatedCluster harness;
  private LocalCluster cluster;
  private KvWorkload workload;

  @BeforeEach
  void start() {
    harness = OperatedCluster.start(dir);
    cluster = harness.local();
  }

  @AfterEach
  void stop() throws InterruptedException {
    // Both stopped, the workload first, even when one throws: no member outlives the test.
    try (OperatedCluster closing = harness) {
      if (workload != null) {
        workload.stop();
      }
    }
  }

  @Test
  void scalesThreeToFiveToThreeToOneToThreeUnderLoadWithALinearizableHistory() throws Exception {
    KubernetesClient client = cluster.client();
    try (InputStream yaml =
        Files.newInputStream(
            LocalCluster.repository().resolve("manifests/examples/minimal.yaml"))) {
      client.resources(StoreCluster.class).inNamespace(NAMESPACE).load(yaml).create();
    }
    String clusterId = awaitSettled(3).clusterId();

    // No deletes: a key once written stays, so every acknowledged write leaves its key readable.
    workload =
        KvWorkload.builder(List.of(ENDPOINT))
            .clients(2)
            .keys(KEYS)
            .mix(new OpMix(40, 40, 0, 20))
            .opTimeout(Duration.ofSeconds(3))
            .duration(Duration.ofMinutes(10))
            .seed(3_5_3_1_3L)
            .build()
            .start();

    List<String> steps = new ArrayList<>();
    for (int replicas : List.of(5, 3, 1, 3)) {
      long before = System.nanoTime();
      scaleTo(replicas);
      StoreClusterStatus status = awaitSettled(replicas);
      assertSettledOn(status, replicas);
      assertPodsAndBootstrapFollow(replicas);
      assertThat(status.clusterId())
          .as("cluster id after scaling to %d", replicas)
          .isEqualTo(clusterId);
      steps.add(
          "to "
              + replicas
              + " in "
              + Duration.ofNanos(System.nanoTime() - before).toMillis()
              + " ms, leader "
              + status.leader()
              + ", "
              + workload.counts());
    }

    History<KvInput, KvOutput> history = workload.stop();
    KvWorkload.Counts counts = workload.counts();
    System.out.printf(
        "%d operations completed, %d unknown, %d failed reads; steps:%n  %s%n",
        counts.completed(), counts.unknown(), counts.failedReads(), String.join("\n  ", steps));
    assertThat(counts.completed()).as("operations answered while scaling").isGreaterThan(200);

    // Read back through a fresh client; the reads join the history, so the checker also decides
    // whether each key's last value is the one it must be.
    Set<String> acknowledged = acknowledgedKeys(history);
    assertThat(acknowledged).as("keys with an acknowledged write").isNotEmpty();
    List<String> present = readEveryKey(history);
    assertThat(present).as("keys readable at the end").containsAll(acknowledged);

    CheckResult result = LinearizabilityAssertions.assertLinearizable(history);
    System.out.println("linearizability check: " + result);
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

  /**
   * Waits until the operator reports, for the spec as it is now, that it has nothing left to do,
   * and the StatefulSet runs exactly the pods asked for. Everything else about that status is for
   * {@link #assertSettledOn} to check rather than to wait for.
   */
  private StoreClusterStatus awaitSettled(int replicas) {
    AtomicReference<StoreClusterStatus> settled = new AtomicReference<>();
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
              StoreClusterStatus status = current.getStatus();
              assertThat(status).isNotNull();
              assertThat(status.observedGeneration())
                  .isEqualTo(current.getMetadata().getGeneration());
              assertThat(status.replicas()).isEqualTo(replicas);
              Condition progressing = status.condition(Condition.PROGRESSING).orElseThrow();
              assertThat(progressing.isTrue()).as(progressing.message()).isFalse();
              assertThat(
                      cluster
                          .client()
                          .apps()
                          .statefulSets()
                          .inNamespace(NAMESPACE)
                          .withName(NAME)
                          .get()
                          .getSpec()
                          .getReplicas())
                  .isEqualTo(replicas);
              assertThat(cluster.client().pods().inNamespace(NAMESPACE).list().getItems())
                  .hasSize(replicas);
              settled.set(status);
            });
    return settled.get();
  }

  private static void assertSettledOn(StoreClusterStatus status, int replicas) {
    List<String> expected = memberNames(replicas);
    assertThat(status.memberCount()).as("memberCount").isEqualTo(replicas);
    assertThat(status.readyReplicas()).as("readyReplicas").isEqualTo(replicas);
    assertThat(status.ready()).isEqualTo(replicas + "/" + replicas);
    Condition available = status.condition(Condition.AVAILABLE).orElseThrow();
    assertThat(available.isTrue()).as(available.message()).isTrue();
    Condition progressing = status.condition(Condition.PROGRESSING).orElseThrow();
    assertThat(progressing.status()).isEqualTo(Condition.FALSE);
    assertThat(status.members()).extracting(MemberStatus::name).containsExactlyElementsOf(expected);
    assertThat(status.members()).allMatch(m -> Boolean.TRUE.equals(m.healthy()), "healthy");
    assertThat(status.members())
        .extracting(MemberStatus::role)
        .doesNotContain(MemberStatus.LEARNER)
        .containsOnlyOnce(MemberStatus.LEADER);
    String leader =
        status.members().stream()
            .filter(m -> MemberStatus.LEADER.equals(m.role()))
            .findFirst()
            .orElseThrow()
            .name();
    assertThat(status.leader()).isEqualTo(leader);
  }

  /**
   * The pods are the members' and no others, and the bootstrap ConfigMap names exactly them: a
   * removed member is never started again from it.
   */
  private void assertPodsAndBootstrapFollow(int replicas) {
    List<String> expected = memberNames(replicas);
    KubernetesClient client = cluster.client();
    assertThat(client.pods().inNamespace(NAMESPACE).list().getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrderElementsOf(expected);
    String initialCluster =
        client
            .configMaps()
            .inNamespace(NAMESPACE)
            .withName(NAME + "-bootstrap")
            .get()
            .getData()
            .get("initial-cluster");
    assertThat(Arrays.stream(initialCluster.split(",")).map(m -> m.substring(0, m.indexOf('='))))
        .as(initialCluster)
        .containsExactlyElementsOf(expected);
  }

  private static List<String> memberNames(int replicas) {
    return IntStream.range(0, replicas).mapToObj(i -> NAME + "-" + i).toList();
  }

  /** Keys some write was acknowledged on: an answered put, or a swap that succeeded. */
  private static Set<String> acknowledgedKeys(History<KvInput, KvOutput> history) {
    Set<String> keys = new TreeSet<>();
    for (Operation<KvInput, KvOutput> op : history.operations()) {
      boolean written =
          !op.outcomeUnknown()
              && (op.input() instanceof KvInput.Put
                  || (op.input() instanceof KvInput.Cas
                      && op.output() instanceof KvOutput.Swapped swapped
                      && swapped.succeeded()));
      if (written) {
        keys.add(op.input().key());
      }
    }
    return keys;
  }

  /** Reads each key once, recording the reads; returns the keys present. */
  private static List<String> readEveryKey(History<KvInput, KvOutput> history) throws Exception {
    List<String> present = new ArrayList<>();
    try (Client reader = Client.builder().endpoints(ENDPOINT).build()) {
      for (String key : KEYS) {
        // A failed read is left unfinished, as the workload leaves it: it proves nothing.
        AtomicReference<String> value = new AtomicReference<>();
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .ignoreExceptions()
            .untilAsserted(
                () -> {
                  var call = history.call(READER, new KvInput.Get(key));
                  GetResponse r =
                      reader
                          .getKVClient()
                          .get(ByteSequence.from(key, StandardCharsets.UTF_8))
                          .get(10, TimeUnit.SECONDS);
                  String read =
                      r.getKvs().isEmpty()
                          ? null
                          : r.getKvs().getFirst().getValue().toString(StandardCharsets.UTF_8);
                  call.returned(KvOutput.read(read));
                  value.set(read);
                });
        if (value.get() != null) {
          present.add(key);
        }
      }
    }
    return present;
  }
}
