package dev.cairn.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.Fixtures;
import dev.cairn.operator.crd.BackupSpec;
import dev.cairn.operator.crd.ObjectStoreSpec;
import dev.cairn.operator.crd.StoreBackup;
import dev.cairn.operator.crd.StoreBackupSpec;
import dev.cairn.operator.crd.StoreBackupStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A StoreBackup's passes against fabric8's mock API server; its Jobs are finished by hand. */
@EnableKubernetesMockClient(crud = true)
class StoreBackupReconcilerTest {
  private static final ObjectStoreSpec BUCKET =
      new ObjectStoreSpec("backups", "prod", "http://minio.minio:9000", "eu-west-1", true, "s3");

  KubernetesClient client;
  private StoreBackupReconciler reconciler;

  @BeforeEach
  void setUp() {
    reconciler =
        new StoreBackupReconciler(
            client, Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC));
  }

  @Test
  void aBackupIsAJobOfTheAgentOwnedByTheStoreBackup() {
    formedCluster();
    StoreBackup backup = backup("nightly");

    StoreBackupStatus status = reconciler.reconcile(backup);

    assertThat(status.phase()).isEqualTo(StoreBackupStatus.PENDING);
    assertThat(status.jobName()).isEqualTo("nightly-backup");
    assertThat(status.objectStore()).isEqualTo(BUCKET);
    Job job = client.batch().v1().jobs().inNamespace("db").withName("nightly-backup").get();
    assertThat(job.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getKind()).isEqualTo("StoreBackup");
              assertThat(o.getName()).isEqualTo("nightly");
              assertThat(o.getController()).isTrue();
            });
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    var agent = pod.getContainers().getFirst();
    assertThat(agent.getImage()).isEqualTo("ghcr.io/cairn-dev/backup-agent:0.1.0");
    assertThat(agent.getArgs())
        .containsExactly(
            "backup",
            "--endpoints=http://orders-0.orders-peer.db.svc:2379,"
                + "http://orders-1.orders-peer.db.svc:2379,http://orders-2.orders-peer.db.svc:2379",
            "--bucket=backups",
            "--prefix=prod",
            "--s3-endpoint=http://minio.minio:9000",
            "--region=eu-west-1",
            "--path-style",
            "--tmp-dir=/tmp",
            "--result-file=/dev/termination-log");
    assertThat(agent.getEnv())
        .extracting(e -> e.getName() + "=" + e.getValueFrom().getSecretKeyRef().getName())
        .containsExactly("AWS_ACCESS_KEY_ID=s3", "AWS_SECRET_ACCESS_KEY=s3");
    assertThat(agent.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");

    // A second pass changes nothing while the Job has not started.
    backup.setStatus(status);
    assertThat(reconciler.reconcile(backup)).isEqualTo(status);
  }

  @Test
  void theJobsResultBecomesTheStatus() {
    formedCluster();
    StoreBackup backup = backup("nightly");
    backup.setStatus(reconciler.reconcile(backup));
    finish(
        "nightly-backup",
        "Complete",
        "{\"bucket\":\"backups\",\"key\":\"prod/4f2a/20261204T120000Z-r812.snapshot\","
            + "\"manifest\":\"prod/4f2a/20261204T120000Z-r812.manifest.json\","
            + "\"clusterId\":\"4f2a\",\"revision\":812,\"size\":1048576,\"sha256\":\"ab12\"}\n");

    StoreBackupStatus status = reconciler.reconcile(backup);

    assertThat(status.phase()).isEqualTo(StoreBackupStatus.SUCCEEDED);
    assertThat(status.key()).isEqualTo("prod/4f2a/20261204T120000Z-r812.snapshot");
    assertThat(status.revision()).isEqualTo(812L);
    assertThat(status.size()).isEqualTo(1048576L);
    assertThat(status.sha256()).isEqualTo("ab12");
    assertThat(status.clusterId()).isEqualTo("4f2a");
    assertThat(status.startTime()).isEqualTo("2026-12-04T11:59:00Z");
    assertThat(status.completionTime()).isEqualTo("2026-12-04T12:00:00Z");
  }

  @Test
  void aFailedJobsLastLogLineIsTheMessage() {
    formedCluster();
    StoreBackup backup = backup("nightly");
    backup.setStatus(reconciler.reconcile(backup));
    finish(
        "nightly-backup",
        "Failed",
        "12:00:01 INFO streaming from http://orders-0...\n"
            + "backup-agent: bucket backups does not exist\n");

    StoreBackupStatus status = reconciler.reconcile(backup);

    assertThat(status.phase()).isEqualTo(StoreBackupStatus.FAILED);
    assertThat(status.message()).isEqualTo("backup-agent: bucket backups does not exist");
    assertThat(status.key()).isNull();
  }

  @Test
  void withoutItsClusterOrABucketABackupFailsAtOnce() {
    assertThat(reconciler.reconcile(backup("orphan")).message())
        .isEqualTo("StoreCluster orders does not exist");

    StoreCluster cluster = Fixtures.minimal();
    client.resource(cluster).create();
    StoreBackupStatus status = reconciler.reconcile(backup("nowhere"));
    assertThat(status.phase()).isEqualTo(StoreBackupStatus.FAILED);
    assertThat(status.message())
        .isEqualTo(
            "no object store: set spec.objectStore, or spec.backup.objectStore of StoreCluster"
                + " orders");
  }

  @Test
  void deletingABackupDeletesItsObjectsThroughAJobFirst() {
    formedCluster();
    StoreBackup backup = backup("nightly");
    backup.setStatus(
        new StoreBackupStatus(
            StoreBackupStatus.SUCCEEDED,
            "done",
            "nightly-backup",
            BUCKET,
            "prod/4f2a/20261204T120000Z-r812.snapshot",
            10L,
            "ab",
            812L,
            "4f2a",
            null,
            null));

    assertThat(reconciler.deleteObjects(backup)).isFalse();
    Job job = client.batch().v1().jobs().inNamespace("db").withName("nightly-delete").get();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs())
        .startsWith("delete", "--key=prod/4f2a/20261204T120000Z-r812.snapshot", "--bucket=backups");
    assertThat(reconciler.deleteObjects(backup)).isFalse();

    finish("nightly-delete", "Complete", "deleted\n");
    assertThat(reconciler.deleteObjects(backup)).isTrue();
  }

  @Test
  void aRetainedOrNeverTakenBackupLeavesTheBucketAlone() {
    StoreBackup retained =
        StoreBackup.of("db", "keep", new StoreBackupSpec("orders", null, StoreBackupSpec.RETAIN));
    retained.setStatus(
        new StoreBackupStatus(
            StoreBackupStatus.SUCCEEDED, "done", "j", BUCKET, "k", 1L, "a", 1L, "c", null, null));
    assertThat(reconciler.deleteObjects(retained)).isTrue();
    assertThat(reconciler.deleteObjects(backup("never-ran"))).isTrue();
    assertThat(client.batch().v1().jobs().inNamespace("db").list().getItems()).isEmpty();
  }

  private void formedCluster() {
    StoreCluster cluster = Fixtures.minimal();
    cluster.setSpec(
        cluster.getSpec().withBackup(new BackupSpec(null, BUCKET, null, null, null, null)));
    cluster.setStatus(
        new StoreClusterStatus(
            1L, null, null, null, "4f2a", 3, 3, "3/3", 3, null, null, null, null, null, null,
            null));
    client.resource(cluster).create();
  }

  private StoreBackup backup(String name) {
    StoreBackup backup = StoreBackup.of("db", name, new StoreBackupSpec("orders", null, null));
    backup.getMetadata().setUid(name + "-uid");
    return backup;
  }

  /** What the Job controller and kubelet report once the agent's pod has ended. */
  private void finish(String jobName, String condition, String terminationMessage) {
    Job job = client.batch().v1().jobs().inNamespace("db").withName(jobName).get();
    job.setStatus(
        new JobStatusBuilder()
            .withStartTime("2026-12-04T11:59:00Z")
            .withCompletionTime(condition.equals("Complete") ? "2026-12-04T12:00:00Z" : null)
            .withConditions(
                new JobConditionBuilder().withType(condition).withStatus("True").build())
            .build());
    client.resource(job).updateStatus();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(jobName + "-x7k2p")
            .withNamespace("db")
            .addToLabels("job-name", jobName)
            .endMetadata()
            .withNewStatus()
            .withPhase(condition.equals("Complete") ? "Succeeded" : "Failed")
            .withContainerStatuses(
                new ContainerStatusBuilder()
                    .withName("backup-agent")
                    .withNewState()
                    .withNewTerminated()
                    .withExitCode(condition.equals("Complete") ? 0 : 1)
                    .withMessage(terminationMessage)
                    .endTerminated()
                    .endState()
                    .build())
            .endStatus()
            .build();
    client.resource(pod).create();
  }
}
