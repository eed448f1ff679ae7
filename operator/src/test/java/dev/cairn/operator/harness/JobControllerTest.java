package dev.cairn.operator.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.backup.testing.S3Server;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** Jobs and init containers running the real backup agent, as the operator will use them. */
class JobControllerTest {
  private static final String NAMESPACE = "backups";
  private static final String AGENT = "ghcr.io/cairn-dev/backup-agent:0.1.0";
  private static final String STORE = "ghcr.io/cairn-dev/store-node:0.1.0";

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private LocalCluster cluster;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    cluster = LocalCluster.start(dir);
    client = cluster.client();
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aJobThatExitsZeroCompletesAndItsPodsGoWithIt() {
    client.resource(job("version", 6, List.of("--version"), List.of())).create();

    within().until(() -> condition("version", "Complete"));
    Job job = job("version");
    assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
    assertThat(job.getStatus().getCompletionTime()).isNotNull();
    assertThat(job.getStatus().getStartTime()).isNotNull();
    Pod pod = pods("version").getFirst();
    assertThat(pod.getMetadata().getName()).matches("version-[a-z0-9]{5}");
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("job-name", "version")
        .containsEntry("batch.kubernetes.io/job-name", "version");
    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
    ContainerStatus agent = pod.getStatus().getContainerStatuses().getFirst();
    assertThat(agent.getState().getTerminated().getExitCode()).isZero();
    assertThat(agent.getState().getTerminated().getReason()).isEqualTo("Completed");
    // A finished Job and its pod are written no more.
    String jobVersion = job.getMetadata().getResourceVersion();
    String podVersion = pod.getMetadata().getResourceVersion();
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                job("version").getMetadata().getResourceVersion().equals(jobVersion)
                    && pods("version")
                        .getFirst()
                        .getMetadata()
                        .getResourceVersion()
                        .equals(podVersion));

    client.resource(job).delete();
    within().untilAsserted(() -> assertThat(pods("version")).isEmpty());
  }

  @Test
  void aFailingJobStopsAfterItsBackoffLimitWithTheAgentsErrorAsMessage() {
    // No --bucket: the agent refuses its flags, exit 2.
    client.resource(job("badflags", 1, List.of("list"), List.of())).create();

    within().until(() -> condition("badflags", "Failed"));
    assertThat(job("badflags").getStatus().getConditions())
        .filteredOn(c -> c.getType().equals("Failed"))
        .extracting(JobCondition::getReason)
        .containsExactly("BackoffLimitExceeded");
    assertThat(job("badflags").getStatus().getFailed()).isEqualTo(2);
    List<Pod> pods = pods("badflags");
    assertThat(pods).hasSize(2).allMatch(p -> p.getStatus().getPhase().equals("Failed"));
    for (Pod pod : pods) {
      var terminated = pod.getStatus().getContainerStatuses().getFirst().getState().getTerminated();
      assertThat(terminated.getExitCode()).isEqualTo(2);
      assertThat(terminated.getReason()).isEqualTo("Error");
      assertThat(terminated.getMessage())
          .isEqualTo("backup-agent: --bucket (or CAIRN_BACKUP_BUCKET) is required");
    }
  }

  @Test
  void underOnFailureTheContainerIsRestartedInItsPodUntilTheBackoffLimit() {
    client.resource(job("restarts", "OnFailure", 1, List.of("list"), List.of())).create();

    within().until(() -> condition("restarts", "Failed"));
    assertThat(job("restarts").getStatus().getConditions())
        .filteredOn(c -> c.getType().equals("Failed"))
        .extracting(JobCondition::getReason)
        .containsExactly("BackoffLimitExceeded");
    // The pod that kept failing in place goes with the Job's failure.
    assertThat(pods("restarts")).isEmpty();
  }

  @Test
  void anAgentFindsItsCredentialsInTheSecretItsEnvironmentNames() throws Exception {
    try (S3Server s3 = S3Server.start()) {
      s3.createBucket("backups");
      List<String> list =
          List.of(
              "list",
              "--bucket=backups",
              "--s3-endpoint=" + s3.endpoint(),
              "--path-style",
              "--region=us-east-1");
      client.resource(credentials("right", S3Server.ACCESS_KEY, S3Server.SECRET_KEY)).create();
      client.resource(credentials("wrong", S3Server.ACCESS_KEY, "not-the-secret")).create();

      client.resource(job("right", 0, list, credentialsFrom("right"))).create();
      client.resource(job("wrong", 0, list, credentialsFrom("wrong"))).create();

      within().until(() -> condition("right", "Complete"));
      within().until(() -> condition("wrong", "Failed"));
      var terminated =
          pods("wrong")
              .getFirst()
              .getStatus()
              .getContainerStatuses()
              .getFirst()
              .getState()
              .getTerminated();
      assertThat(terminated.getExitCode()).isEqualTo(1);
      assertThat(terminated.getMessage())
          .startsWith("backup-agent: cannot list s3://backups/: access denied")
          .contains("SignatureDoesNotMatch");
    }
  }

  @Test
  void initContainersRunBeforeTheMainContainerWhichWaitsForThemToSucceed() {
    client.resource(pod("init-fails", List.of("restore"))).create();
    client
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("data-init-ok")
                .withNamespace(NAMESPACE)
                .endMetadata()
                .build())
        .create();
    client.resource(pod("init-ok", List.of("--version"))).create();

    within()
        .untilAsserted(
            () -> {
              Pod ok = client.pods().inNamespace(NAMESPACE).withName("init-ok").get();
              assertThat(StatefulSetController.isReady(ok)).isTrue();
              assertThat(ok.getStatus().getPhase()).isEqualTo("Running");
              ContainerStatus init = ok.getStatus().getInitContainerStatuses().getFirst();
              assertThat(init.getState().getTerminated().getExitCode()).isZero();
              assertThat(init.getRestartCount()).isZero();
            });
    // A running member's status is written on changes only, not at every look.
    String version =
        client
            .pods()
            .inNamespace(NAMESPACE)
            .withName("init-ok")
            .get()
            .getMetadata()
            .getResourceVersion();
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                client
                    .pods()
                    .inNamespace(NAMESPACE)
                    .withName("init-ok")
                    .get()
                    .getMetadata()
                    .getResourceVersion()
                    .equals(version));

    // A restarted main container does not run its completed init containers again.
    cluster.killContainer(NAMESPACE, "init-ok");
    within()
        .untilAsserted(
            () -> {
              Pod ok = client.pods().inNamespace(NAMESPACE).withName("init-ok").get();
              assertThat(StatefulSetController.isReady(ok)).isTrue();
              ContainerStatus main = ok.getStatus().getContainerStatuses().getFirst();
              assertThat(main.getRestartCount()).isEqualTo(1);
              assertThat(main.getLastState().getTerminated().getExitCode()).isEqualTo(137);
              ContainerStatus init = ok.getStatus().getInitContainerStatuses().getFirst();
              assertThat(init.getRestartCount()).isZero();
              assertThat(init.getState().getTerminated().getExitCode()).isZero();
            });
    within()
        .untilAsserted(
            () -> {
              Pod failing = client.pods().inNamespace(NAMESPACE).withName("init-fails").get();
              assertThat(failing.getStatus().getPhase()).isEqualTo("Pending");
              assertThat(StatefulSetController.isReady(failing)).isFalse();
              ContainerStatus init = failing.getStatus().getInitContainerStatuses().getFirst();
              // Restarted under restartPolicy Always, its earlier failure kept as lastState.
              assertThat(init.getRestartCount()).isPositive();
              assertThat(init.getLastState().getTerminated().getExitCode()).isEqualTo(2);
              ContainerStatus main = failing.getStatus().getContainerStatuses().getFirst();
              assertThat(main.getState().getWaiting().getReason()).isEqualTo("PodInitializing");
              assertThat(main.getRestartCount()).isZero();
            });
  }

  private boolean condition(String job, String type) {
    Job current = job(job);
    return current.getStatus() != null
        && current.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals(type) && c.getStatus().equals("True"));
  }

  private Job job(String name) {
    return client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).get();
  }

  private List<Pod> pods(String job) {
    return client.pods().inNamespace(NAMESPACE).withLabel("job-name", job).list().getItems();
  }

  private static ConditionFactory within() {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200));
  }

  /** A Job of one backup-agent container, as the operator makes them. */
  private static Job job(String name, int backoffLimit, List<String> args, List<EnvVar> env) {
    return job(name, "Never", backoffLimit, args, env);
  }

  private static Job job(
      String name, String restartPolicy, int backoffLimit, List<String> args, List<EnvVar> env) {
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(backoffLimit)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Map.of("app", "backup"))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy(restartPolicy)
        .addNewContainer()
        .withName("backup-agent")
        .withImage(AGENT)
        .withArgs(args)
        .withEnv(env)
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static io.fabric8.kubernetes.api.model.Secret credentials(
      String name, String accessKey, String secretKey) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withData(
            Map.of(
                "access-key-id", base64(accessKey),
                "secret-access-key", base64(secretKey)))
        .build();
  }

  private static List<EnvVar> credentialsFrom(String secret) {
    return List.of(
        fromSecret("AWS_ACCESS_KEY_ID", secret, "access-key-id"),
        fromSecret("AWS_SECRET_ACCESS_KEY", secret, "secret-access-key"),
        new EnvVarBuilder().withName("AWS_REGION").withValue("us-east-1").build());
  }

  private static EnvVar fromSecret(String name, String secret, String key) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(secret)
        .withKey(key)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A single-member store pod behind a backup-agent init container, as a restored member's pod is;
   * {@code restore} without flags fails, {@code --version} succeeds.
   */
  private static Pod pod(String name, List<String> initArgs) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Always")
        .withInitContainers(
            new ContainerBuilder().withName("restore").withImage(AGENT).withArgs(initArgs).build())
        .addNewContainer()
        .withName("store-node")
        .withImage(STORE)
        .withArgs(
            "--name=" + name,
            "--data-dir=/data",
            "--listen-client-urls=http://0.0.0.0:2379",
            "--advertise-client-urls=http://0.0.0.0:2379",
            "--listen-peer-urls=http://0.0.0.0:2380",
            "--initial-advertise-peer-urls=http://0.0.0.0:2380",
            "--initial-cluster=" + name + "=http://0.0.0.0:2380",
            "--listen-metrics-urls=http://0.0.0.0:2381")
        .addNewVolumeMount()
        .withName("data")
        .withMountPath("/data")
        .endVolumeMount()
        .endContainer()
        .addNewVolume()
        .withName("data")
        .withNewPersistentVolumeClaim()
        .withClaimName("data-" + name)
        .endPersistentVolumeClaim()
        .endVolume()
        .endSpec()
        .build();
  }
}
