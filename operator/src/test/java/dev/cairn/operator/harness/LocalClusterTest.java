package dev.cairn.operator.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** The harness on its own: one single-member StatefulSet, without the operator. */
class LocalClusterTest {
  private static final String NAMESPACE = "solo";
  private static final String POD = "solo-0";
  private static final Map<String, String> LABELS = Map.of("app", "solo");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private LocalCluster cluster;

  @BeforeEach
  void start() {
    cluster = LocalCluster.start(dir);
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aKilledPodKeepsItsVolumeALostVolumeComesBackEmptyAndScalingToZeroStopsIt() throws Exception {
    KubernetesClient client = cluster.client();
    client.resource(headlessService()).create();
    client.resource(statefulSet()).create();
    awaitReady(1);
    Path volume = cluster.volume(NAMESPACE, "data-" + POD).orElseThrow();
    assertThat(volume.resolve("member")).isDirectory();
    Path marker = Files.writeString(volume.resolve("marker"), "kept");
    String firstUid = pod().getMetadata().getUid();
    // The reconciler updates its StatefulSet with a PUT: as in Kubernetes, the status stays.
    client.resource(statefulSet()).update();
    assertThat(
            client.apps().statefulSets().inNamespace(NAMESPACE).withName("solo").get().getStatus())
        .satisfies(status -> assertThat(status.getReadyReplicas()).isEqualTo(1));

    cluster.killPod(NAMESPACE, POD);
    awaitReady(1);
    assertThat(pod().getMetadata().getUid()).isNotEqualTo(firstUid);
    assertThat(marker).hasContent("kept");

    cluster.loseVolume(NAMESPACE, POD);
    awaitReady(1);
    Path fresh = cluster.volume(NAMESPACE, "data-" + POD).orElseThrow();
    assertThat(fresh).isNotEqualTo(volume);
    assertThat(fresh.resolve("member")).isDirectory();
    assertThat(fresh.resolve("marker")).doesNotExist();
    within().untilAsserted(() -> assertThat(volume).doesNotExist());

    client.apps().statefulSets().inNamespace(NAMESPACE).withName("solo").scale(0);
    within()
        .untilAsserted(
            () -> {
              assertThat(client.pods().inNamespace(NAMESPACE).list().getItems()).isEmpty();
              assertThat(cluster.anyMemberRunning()).isFalse();
            });
  }

  private void awaitReady(int replicas) {
    within()
        .untilAsserted(
            () -> {
              Pod pod = pod();
              assertThat(pod).isNotNull();
              assertThat(StatefulSetController.isReady(pod)).isTrue();
              assertThat(pod.getStatus().getPodIP()).matches("127\\.\\d+\\.\\d+\\.\\d+");
              StatefulSet set =
                  cluster
                      .client()
                      .apps()
                      .statefulSets()
                      .inNamespace(NAMESPACE)
                      .withName("solo")
                      .get();
              assertThat(set.getStatus().getReadyReplicas()).isEqualTo(replicas);
            });
  }

  private Pod pod() {
    return cluster.client().pods().inNamespace(NAMESPACE).withName(POD).get();
  }

  private static ConditionFactory within() {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200));
  }

  private static Service headlessService() {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName("solo")
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withNewSpec()
        .withClusterIP("None")
        .withPublishNotReadyAddresses(true)
        .withSelector(LABELS)
        .endSpec()
        .build();
  }

  /** One member founding its own cluster, addressed as the operator addresses members. */
  private static StatefulSet statefulSet() {
    String self = "http://$(POD_NAME).solo." + NAMESPACE + ".svc";
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName("solo")
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .withServiceName("solo")
        .withNewSelector()
        .withMatchLabels(LABELS)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(LABELS)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("store-node")
        .withArgs(
            "--name=$(POD_NAME)",
            "--data-dir=/data",
            "--listen-client-urls=http://0.0.0.0:2379",
            "--advertise-client-urls=" + self + ":2379",
            "--listen-peer-urls=http://0.0.0.0:2380",
            "--initial-advertise-peer-urls=" + self + ":2380",
            "--initial-cluster=$(POD_NAME)=" + self + ":2380",
            "--listen-metrics-urls=http://0.0.0.0:2381")
        .addNewEnv()
        .withName("POD_NAME")
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath("metadata.name")
        .endFieldRef()
        .endValueFrom()
        .endEnv()
        .addNewVolumeMount()
        .withName("data")
        .withMountPath("/data")
        .endVolumeMount()
        .endContainer()
        .endSpec()
        .endTemplate()
        .withVolumeClaimTemplates(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("data")
                .endMetadata()
                .build())
        .endSpec()
        .build();
  }
}
