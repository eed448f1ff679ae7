package dev.cairn.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.Fixtures;
import dev.cairn.operator.crd.BackupLocation;
import dev.cairn.operator.crd.BackupRetentionSpec;
import dev.cairn.operator.crd.BackupSpec;
import dev.cairn.operator.crd.BootstrapSpec;
import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.ObjectStoreSpec;
import dev.cairn.operator.crd.StoreBackup;
import dev.cairn.operator.crd.StoreBackupSpec;
import dev.cairn.operator.crd.StoreBackupStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.member.AuthAdmin;
import dev.cairn.operator.member.MembershipAdmin;
import dev.cairn.operator.member.ObservedCluster;
import dev.cairn.operator.member.ObservedMember;
import dev.cairn.operator.model.Labels;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A cluster's schedule, retention and BackupReady, and a cluster made from a backup. */
@EnableKubernetesMockClient(crud = true)
class ClusterBackupsTest {
  private static final ObjectStoreSpec BUCKET =
      new ObjectStoreSpec("backups", null, "http://s3.local:9000", null, true, "s3");

  KubernetesClient client;

  private final StoreClusterReconcilerTest.FakeMembers members =
      new StoreClusterReconcilerTest.FakeMembers();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T12:00:30Z"));
  private StoreClusterReconciler reconciler;

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @BeforeEach
  void setUp() {
    reconciler =
        new StoreClusterReconciler(
            client, members, AuthAdmin.NONE, MembershipAdmin.NONE, clock, false);
    members.next =
        new ObservedCluster(
            true,
            0xc1,
            List.of(
                new ObservedMember(1, "orders-0", List.of("http://a:2379"), false, true, true, 1)));
  }

  @Test
  void eachRunOfTheScheduleIsOneStoreBackupAndRetentionKeepsKeepLast() {
    StoreCluster cluster = cluster("* * * * *", 2);

    // Created at 12:00:30: the first run is due at 12:01.
    cluster = pass(cluster);
    assertThat(backups()).isEmpty();
    assertThat(cluster.getStatus().backup().nextScheduleTime()).isEqualTo("2026-12-04T12:01:00Z");
    assertThat(cluster.getStatus().condition(Condition.BACKUP_READY).orElseThrow().reason())
        .isEqualTo(ClusterBackups.NO_BACKUP_YET);

    for (int minute = 1; minute <= 4; minute++) {
      clock.now = Instant.parse("2026-12-04T12:00:05Z").plus(Duration.ofMinutes(minute));
      cluster = pass(cluster);
      cluster = pass(cluster); // a second pass in the same minute makes nothing more
      String name = "orders-20261204-120" + minute;
      StoreBackup made = backup(name);
      assertThat(made.getMetadata().getLabels())
          .containsEntry(Labels.BACKUP_CLUSTER, "orders")
          .containsEntry(Labels.BACKUP_SCHEDULED, "true");
      assertThat(made.getMetadata().getOwnerReferences()).isEmpty();
      succeed(name, 100 + minute);
    }
    cluster = pass(cluster);

    assertThat(backups()).containsExactlyInAnyOrder("orders-20261204-1203", "orders-20261204-1204");
    assertThat(cluster.getStatus().backup().lastSuccessfulBackup())
        .isEqualTo("orders-20261204-1204");
    assertThat(cluster.getStatus().backup().lastSuccessfulRevision()).isEqualTo(104L);
    assertThat(cluster.getStatus().backup().lastScheduleTime()).isEqualTo("2026-12-04T12:04:00Z");
    Condition ready = cluster.getStatus().condition(Condition.BACKUP_READY).orElseThrow();
    assertThat(ready.status()).isEqualTo(Condition.TRUE);
    assertThat(ready.reason()).isEqualTo(ClusterBackups.SUCCEEDED);
    assertThat(ready.message()).contains("orders-20261204-1204", "revision 104");
  }

  @Test
  void aScheduledBackupStillRunningSkipsTheNextRun() {
    StoreCluster cluster = pass(cluster("* * * * *", 3));
    clock.now = Instant.parse("2026-12-04T12:01:01Z");
    cluster = pass(cluster);
    clock.now = Instant.parse("2026-12-04T12:02:01Z");
    cluster = pass(cluster);

    assertThat(backups()).containsExactly("orders-20261204-1201");
    assertThat(cluster.getStatus().backup().lastScheduleTime()).isEqualTo("2026-12-04T12:02:00Z");
  }

  @Test
  void aFailedBackupMakesBackupReadyFalse() {
    StoreCluster cluster = pass(cluster("* * * * *", 3));
    clock.now = Instant.parse("2026-12-04T12:01:01Z");
    cluster = pass(cluster);
    StoreBackup made = backup("orders-20261204-1201");
    made.setStatus(
        new StoreBackupStatus(
            StoreBackupStatus.FAILED,
            "backup-agent: bucket backups does not exist",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "2026-12-04T12:01:05Z"));
    client.resource(made).updateStatus();
    cluster = pass(cluster);
    Condition ready = cluster.getStatus().condition(Condition.BACKUP_READY).orElseThrow();
    assertThat(ready.status()).isEqualTo(Condition.FALSE);
    assertThat(ready.reason()).isEqualTo(ClusterBackups.FAILED);
    assertThat(ready.message())
        .isEqualTo(
            "StoreBackup orders-20261204-1201 failed: backup-agent: bucket backups does not"
                + " exist");
  }

  @Test
  void aScheduleThatIsNoCronScheduleSaysSo() {
    StoreCluster bad = cluster("every minute", 3);
    Condition invalid = reconciler.reconcile(bad).condition(Condition.BACKUP_READY).orElseThrow();
    assertThat(invalid.reason()).isEqualTo(ClusterBackups.INVALID_SCHEDULE);
    assertThat(invalid.message()).startsWith("schedule \"every minute\" is not a cron schedule");
  }

  @Test
  void withoutBackupsThereIsNoBackupReady() {
    StoreCluster cluster = Fixtures.minimal();
    client.resource(cluster).create();
    StoreClusterStatus status = reconciler.reconcile(cluster);
    assertThat(status.condition(Condition.BACKUP_READY)).isEmpty();
    assertThat(status.backup()).isNull();
  }

  @Test
  void aClusterFromAStoreBackupWaitsForItThenRestoresItInAnInitContainer() {
    members.next = ObservedCluster.unreachable();
    StoreCluster cluster = Fixtures.minimal();
    cluster.setSpec(
        cluster
            .getSpec()
            .withBootstrap(new BootstrapSpec(new BootstrapSpec.FromBackup("nightly", null, null))));
    client.resource(cluster).create();

    StoreClusterStatus missing = reconciler.reconcile(cluster);
    assertThat(statefulSet()).isNull();
    Condition degraded = missing.condition(Condition.DEGRADED).orElseThrow();
    assertThat(degraded.status()).isEqualTo(Condition.TRUE);
    assertThat(degraded.reason()).isEqualTo(StoreClusterReconciler.BACKUP_NOT_FOUND);
    assertThat(degraded.message()).isEqualTo("StoreBackup nightly does not exist");

    StoreBackup nightly =
        StoreBackup.of("db", "nightly", new StoreBackupSpec("orders", null, null));
    client.resource(nightly).create();
    assertThat(reconciler.reconcile(cluster).condition(Condition.DEGRADED).orElseThrow().message())
        .isEqualTo("StoreBackup nightly is Pending, not Succeeded");
    succeed("nightly", 812);

    StoreClusterStatus status = reconciler.reconcile(cluster);
    assertThat(status.restoredFrom())
        .isEqualTo(new BackupLocation(BUCKET, "prod/c1/20261204T120000Z-r812.snapshot"));
    var init = statefulSet().getSpec().getTemplate().getSpec().getInitContainers();
    assertThat(init)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getName()).isEqualTo("restore");
              assertThat(c.getArgs())
                  .contains(
                      "restore",
                      "--key=prod/c1/20261204T120000Z-r812.snapshot",
                      "--bucket=backups",
                      "--data-dir=/var/lib/cairn",
                      "--initial-cluster-state=$(INITIAL_CLUSTER_STATE)",
                      "--initial-advertise-peer-urls=http://$(POD_NAME).orders-peer.db.svc:2380",
                      "--skip-existing-member");
            });

    // Once recorded, the StoreBackup may go: the members' template does not change.
    String hash = templateHash();
    client.resource(backup("nightly")).delete();
    cluster.setStatus(status);
    reconciler.reconcile(cluster);
    assertThat(templateHash()).isEqualTo(hash);
  }

  @Test
  void aMemberThatCannotRestoreMakesTheClusterDegraded() {
    members.next = ObservedCluster.unreachable();
    StoreCluster cluster = Fixtures.minimal();
    cluster.setSpec(
        cluster
            .getSpec()
            .withBootstrap(
                new BootstrapSpec(new BootstrapSpec.FromBackup(null, BUCKET, "prod/x.snapshot"))));
    client.resource(cluster).create();
    reconciler.reconcile(cluster);
    Pod pod =
        new io.fabric8.kubernetes.api.model.PodBuilder()
            .withNewMetadata()
            .withName("orders-0")
            .withNamespace("db")
            .withLabels(Labels.of("orders", "store"))
            .endMetadata()
            .withNewStatus()
            .withPhase("Pending")
            .withInitContainerStatuses(
                new ContainerStatusBuilder()
                    .withName("restore")
                    .withNewState()
                    .withNewWaiting()
                    .withReason("CrashLoopBackOff")
                    .endWaiting()
                    .endState()
                    .withNewLastState()
                    .withNewTerminated()
                    .withExitCode(1)
                    .withMessage(
                        "downloading...\nbackup-agent: backup object prod/x.snapshot fails its"
                            + " SHA-256 check (manifest aa, object bb): it is damaged\n")
                    .endTerminated()
                    .endLastState()
                    .build())
            .endStatus()
            .build();
    client.resource(pod).create();

    Condition degraded = reconciler.reconcile(cluster).condition(Condition.DEGRADED).orElseThrow();

    assertThat(degraded.reason()).isEqualTo(StoreClusterReconciler.RESTORE_FAILED);
    assertThat(degraded.message())
        .isEqualTo(
            "orders-0 cannot restore the backup it starts from: backup-agent: backup object"
                + " prod/x.snapshot fails its SHA-256 check (manifest aa, object bb): it is"
                + " damaged");
  }

  private StoreCluster cluster(String schedule, int keepLast) {
    StoreCluster cluster = Fixtures.minimal();
    cluster.getMetadata().setCreationTimestamp("2026-12-04T12:00:30Z");
    cluster.setSpec(
        cluster
            .getSpec()
            .withBackup(
                new BackupSpec(
                    schedule, BUCKET, new BackupRetentionSpec(keepLast, null), null, null, null)));
    client.resource(cluster).create();
    return cluster;
  }

  /** One pass, its status kept for the next, as the operator writes it. */
  private StoreCluster pass(StoreCluster cluster) {
    cluster.setStatus(reconciler.reconcile(cluster));
    return cluster;
  }

  private List<String> backups() {
    return client.resources(StoreBackup.class).inNamespace("db").list().getItems().stream()
        .map(b -> b.getMetadata().getName())
        .sorted()
        .toList();
  }

  private StoreBackup backup(String name) {
    return client.resources(StoreBackup.class).inNamespace("db").withName(name).get();
  }

  private void succeed(String name, long revision) {
    StoreBackup made = backup(name);
    made.setStatus(
        new StoreBackupStatus(
            StoreBackupStatus.SUCCEEDED,
            "done",
            name + "-backup",
            BUCKET,
            "prod/c1/20261204T120000Z-r" + revision + ".snapshot",
            1024L,
            "ab",
            revision,
            "c1",
            clock.now.toString(),
            clock.now.plusSeconds(revision % 10).toString()));
    client.resource(made).updateStatus();
  }

  private StatefulSet statefulSet() {
    return client.apps().statefulSets().inNamespace("db").withName("orders").get();
  }

  private String templateHash() {
    return statefulSet()
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get("cairn.dev/pod-template-hash");
  }
}
