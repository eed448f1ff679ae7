package dev.cairn.operator.harness;

import static dev.cairn.operator.harness.OperatedCluster.NAMESPACE;
import static dev.cairn.operator.harness.OperatedCluster.assertSettled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.backup.testing.S3Server;
import dev.cairn.operator.crd.BackupRetentionSpec;
import dev.cairn.operator.crd.BackupSpec;
import dev.cairn.operator.crd.BootstrapSpec;
import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.ObjectStoreSpec;
import dev.cairn.operator.crd.StoreBackup;
import dev.cairn.operator.crd.StoreBackupSpec;
import dev.cairn.operator.crd.StoreBackupStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterSpec;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.model.Labels;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups on the local Kubernetes harness, against a real S3 server on loopback: a schedule of
 * every minute makes StoreBackups whose Jobs of the backup agent succeed, retention keeps exactly
 * keepLast of them (objects included), an on-demand StoreBackup succeeds, and new clusters start
 * from a backup: whole when it is sound, Degraded with the reason when it is missing or damaged.
 */
class BackupE2eTest {
  private static final String BUCKET = "backups";
  private static final int KEYS = 300;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private S3Server s3;
  private OperatedCluster cluster;

  @AfterEach
  void stop() throws Exception {
    try (OperatedCluster closing = cluster;
        S3Server stopping = s3) {
      // Both closed, the cluster first.
    }
  }

  @Test
  void scheduledAndOnDemandBackupsSucceedAndNewClustersStartFromThem() throws Exception {
    s3 = S3Server.start();
    s3.createBucket(BUCKET);
    ObjectStoreSpec bucket =
        new ObjectStoreSpec(BUCKET, "e2e", s3.endpoint().toString(), "us-east-1", true, "s3");
    cluster =
        OperatedCluster.create(
            dir,
            spec ->
                spec.withReplicas(1)
                    .withBackup(
                        new BackupSpec(
                            "* * * * *",
                            bucket,
                            new BackupRetentionSpec(1, null),
                            null,
                            null,
                            null)));
    cluster
        .client()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("s3")
                .withNamespace(NAMESPACE)
                .endMetadata()
                .addToStringData("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY)
                .addToStringData("AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY)
                .build())
        .create();
    StoreClusterStatus formed = cluster.awaitStatus(s -> assertSettled(s, 1));
    put(cluster.etcd().getKVClient(), "/before/", KEYS);

    // On demand, into the cluster's bucket.
    create(StoreBackup.of(NAMESPACE, "on-demand", new StoreBackupSpec("example", null, null)));
    StoreBackupStatus taken =
        awaitBackup("on-demand", b -> assertThat(b.phase()).isEqualTo("Succeeded"));
    assertThat(taken.key()).startsWith("e2e/").endsWith(".snapshot");
    assertThat(taken.revision()).isGreaterThanOrEqualTo(KEYS + 1L);
    assertThat(taken.clusterId()).isEqualTo(formed.clusterId());
    assertThat((long) s3.get(BUCKET, taken.key()).length).isEqualTo(taken.size());
    assertThat(s3.keys(BUCKET)).contains(taken.key(), manifest(taken.key()));
    put(cluster.etcd().getKVClient(), "/after/", 10);

    // A new cluster of three from it: every member restores it, then they form a new cluster.
    StoreCluster restored =
        cluster("restored", 3, new BootstrapSpec.FromBackup("on-demand", null, null));
    create(restored);
    StoreClusterStatus restoredStatus = awaitStatus("restored", s -> assertSettled(s, 3));
    assertThat(restoredStatus.clusterId()).isNotEqualTo(formed.clusterId());
    assertThat(restoredStatus.restoredFrom().key()).isEqualTo(taken.key());
    try (Client etcd =
        Client.builder().endpoints("http://restored-client." + NAMESPACE + ".svc:2379").build()) {
      GetResponse before =
          etcd.getKVClient()
              .get(bytes("/before/"), GetOption.builder().isPrefix(true).build())
              .get(30, TimeUnit.SECONDS);
      assertThat(before.getKvs()).hasSize(KEYS);
      assertThat(before.getKvs().getFirst().getValue().toString(StandardCharsets.UTF_8))
          .startsWith("value-");
      assertThat(
              etcd.getKVClient()
                  .get(bytes("/after/"), GetOption.builder().isPrefix(true).build())
                  .get(30, TimeUnit.SECONDS)
                  .getCount())
          .as("written after the backup")
          .isZero();
      etcd.getKVClient().put(bytes("/restored/ok"), bytes("yes")).get(30, TimeUnit.SECONDS);
    }
    // Done with: each cluster left running slows every pass of the one operator loop.
    delete("restored");

    // Missing and damaged backups: the cluster says why, and no member starts on bad data.
    create(cluster("missing", 1, new BootstrapSpec.FromBackup("no-such-backup", null, null)));
    awaitStatus(
        "missing",
        s -> {
          Condition degraded = s.condition(Condition.DEGRADED).orElseThrow();
          assertThat(degraded.reason()).isEqualTo("BackupNotFound");
          assertThat(degraded.message()).isEqualTo("StoreBackup no-such-backup does not exist");
        });
    assertThat(
            cluster.client().apps().statefulSets().inNamespace(NAMESPACE).withName("missing").get())
        .isNull();
    byte[] damaged = s3.get(BUCKET, taken.key());
    damaged[damaged.length / 2] ^= 0x20;
    s3.put(BUCKET, taken.key(), damaged);
    create(cluster("damaged", 1, new BootstrapSpec.FromBackup(null, bucket, taken.key())));
    awaitStatus(
        "damaged",
        s -> {
          Condition degraded = s.condition(Condition.DEGRADED).orElseThrow();
          assertThat(degraded.reason()).isEqualTo("RestoreFailed");
          assertThat(degraded.message())
              .startsWith("damaged-0 cannot restore the backup it starts from: backup-agent:")
              .contains("fails its SHA-256 check");
          assertThat(s.condition(Condition.AVAILABLE).orElseThrow().isTrue()).isFalse();
        });
    delete("damaged");

    // The schedule: runs each minute, keeps one, and its objects follow its StoreBackups.
    await()
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              assertThat(cluster.events().stream().filter(e -> e.startsWith("BackupPruned:")))
                  .isNotEmpty();
              List<StoreBackup> scheduled = scheduled();
              assertThat(scheduled).hasSize(1);
              assertThat(scheduled.getFirst().getStatus()).isNotNull();
              assertThat(scheduled.getFirst().getStatus().phase()).isEqualTo("Succeeded");
              String key = scheduled.getFirst().getStatus().key();
              assertThat(s3.keys(BUCKET))
                  .containsExactlyInAnyOrder(
                      manifest(taken.key()), taken.key(), manifest(key), key);
            });
    assertThat(cluster.events())
        .filteredOn(e -> e.startsWith("BackupScheduled:"))
        .hasSizeGreaterThanOrEqualTo(2);
    StoreBackup kept = scheduled().getFirst();
    StoreClusterStatus status = cluster.status();
    assertThat(status.backup().lastSuccessfulBackup()).isEqualTo(kept.getMetadata().getName());
    Condition ready = status.condition(Condition.BACKUP_READY).orElseThrow();
    assertThat(ready.isTrue()).as(ready.message()).isTrue();
    assertThat(kept.getStatus().revision()).isGreaterThanOrEqualTo(KEYS + 11L);
  }

  private List<StoreBackup> scheduled() {
    return cluster
        .client()
        .resources(StoreBackup.class)
        .inNamespace(NAMESPACE)
        .withLabel(Labels.BACKUP_SCHEDULED, "true")
        .list()
        .getItems()
        .stream()
        .filter(b -> b.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  private static StoreCluster cluster(String name, int replicas, BootstrapSpec.FromBackup from) {
    return StoreCluster.of(
        NAMESPACE,
        name,
        StoreClusterSpec.defaults().withReplicas(replicas).withBootstrap(new BootstrapSpec(from)));
  }

  private void delete(String storeCluster) {
    cluster
        .client()
        .resources(StoreCluster.class)
        .inNamespace(NAMESPACE)
        .withName(storeCluster)
        .delete();
  }

  private void create(io.fabric8.kubernetes.api.model.HasMetadata object) {
    cluster.client().resource(object).create();
  }

  private StoreBackupStatus awaitBackup(String name, Consumer<StoreBackupStatus> check) {
    AtomicReference<StoreBackupStatus> passed = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(300))
        .untilAsserted(
            () -> {
              StoreBackup backup =
                  cluster
                      .client()
                      .resources(StoreBackup.class)
                      .inNamespace(NAMESPACE)
                      .withName(name)
                      .get();
              assertThat(backup.getStatus()).isNotNull();
              assertThat(backup.getStatus().phase()).isNotEqualTo("Failed");
              check.accept(backup.getStatus());
              passed.set(backup.getStatus());
            });
    return passed.get();
  }

  private StoreClusterStatus awaitStatus(String name, Consumer<StoreClusterStatus> check) {
    return cluster.awaitStatus(name, check);
  }

  private static void put(KV kv, String prefix, int count) throws Exception {
    List<CompletableFuture<?>> puts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      puts.add(kv.put(bytes(prefix + i), bytes("value-" + i)));
    }
    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
  }

  private static String manifest(String snapshotKey) {
    return snapshotKey.replace(".snapshot", ".manifest.json");
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
