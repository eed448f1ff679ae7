package dev.cairn.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.operator.crd.StoreCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The operator on a real Kubernetes (k3s in a container): the manifests install it, the minimal
 * example becomes an Available three-member cluster that jetcd writes to through its client
 * Service, and deleting it removes what it owns. Needs Docker; skipped where there is none.
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sClusterE2E {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final String STORE_IMAGE = "cairn/store-node:e2e";
  private static final String OPERATOR_IMAGE = "cairn/operator:e2e";

  @Container
  private static final K3sContainer K3S =
      new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.4-k3s1"));

  @TempDir Path dir;

  @Test
  void theMinimalExampleBecomesAnAvailableClusterOnK3s() throws Exception {
    load(image(STORE_IMAGE, "store-node/target/store-node.jar"));
    load(image(OPERATOR_IMAGE, "operator/target/operator.jar"));
    try (KubernetesClient k8s =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml()))
            .build()) {
      for (String file :
          List.of(
              "crds/storeclusters.cairn.dev-v1.yml",
              "crds/storebackups.cairn.dev-v1.yml",
              "manifests/namespace.yaml",
              "manifests/rbac.yaml",
              "manifests/operator.yaml")) {
        for (HasMetadata o : k8s.load(Files.newInputStream(REPO.resolve(file))).items()) {
          if (o instanceof Deployment d) {
            var c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            c.setImage(OPERATOR_IMAGE);
            c.setImagePullPolicy("Never");
          }
          k8s.resource(o).serverSideApply();
        }
      }
      // The minimal example, run from the image built from this checkout.
      String example =
          Files.readString(REPO.resolve("manifests/examples/minimal.yaml"))
              .replace("spec:\n", "spec:\n  image: " + STORE_IMAGE + "\n");
      StoreCluster cluster =
          k8s.getKubernetesSerialization().unmarshal(example, StoreCluster.class);
      cluster.getMetadata().setNamespace("default");
      k8s.resource(cluster).create();

      await()
          .atMost(Duration.ofMinutes(6))
          .pollInterval(Duration.ofSeconds(5))
          .until(
              () -> {
                StoreCluster now =
                    k8s.resources(StoreCluster.class)
                        .inNamespace("default")
                        .withName(cluster.getMetadata().getName())
                        .get();
                return now.getStatus() != null
                    && now.getStatus().conditions().stream()
                        .anyMatch(c -> c.type().equals("Available") && c.status().equals("True"));
              });

      try (LocalPortForward forward =
              k8s.services()
                  .inNamespace("default")
                  .withName(cluster.getMetadata().getName() + "-client")
                  .portForward(2379);
          Client client =
              Client.builder().endpoints("http://127.0.0.1:" + forward.getLocalPort()).build()) {
        ByteSequence key = ByteSequence.from("on-k3s", StandardCharsets.UTF_8);
        client.getKVClient().put(key, key).get(30, TimeUnit.SECONDS);
        assertThat(client.getKVClient().get(key).get(30, TimeUnit.SECONDS).getKvs()).hasSize(1);
      }

      k8s.resource(cluster).delete();
      await()
          .atMost(Duration.ofMinutes(3))
          .until(
              () ->
                  k8s.apps()
                          .statefulSets()
                          .inNamespace("default")
                          .withName(cluster.getMetadata().getName())
                          .get()
                      == null);
    }
  }

  /** Builds an image that runs {@code jar} from this checkout, on the JRE the project targets. */
  private static String image(String name, String jar) {
    return new ImageFromDockerfile(name, false)
        .withFileFromPath("app.jar", REPO.resolve(jar))
        .withDockerfileFromBuilder(
            b ->
                b.from("eclipse-temurin:21-jre")
                    .copy("app.jar", "/opt/cairn/app.jar")
                    .user("65532")
                    .entryPoint("java", "-jar", "/opt/cairn/app.jar")
                    .build())
        .get();
  }

  /** Moves an image from the local Docker daemon into k3s' containerd. */
  private void load(String image) throws Exception {
    Path tar = dir.resolve(image.replaceAll("[^a-z0-9]", "_") + ".tar");
    try (InputStream in = DockerClientFactory.instance().client().saveImageCmd(image).exec()) {
      Files.copy(in, tar);
    }
    String inside = "/tmp/" + tar.getFileName();
    K3S.copyFileToContainer(MountableFile.forHostPath(tar), inside);
    var result = K3S.execInContainer("ctr", "-n", "k8s.io", "images", "import", inside);
    assertThat(result.getExitCode()).as(result.getStderr()).isZero();
  }
}
