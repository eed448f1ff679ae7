package dev.cairn.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.Fixtures;
import dev.cairn.operator.crd.BackupLocation;
import dev.cairn.operator.crd.BackupSpec;
import dev.cairn.operator.crd.ObjectStoreSpec;
import dev.cairn.operator.crd.StoreBackup;
import dev.cairn.operator.crd.StoreBackupSpec;
import dev.cairn.operator.crd.StoreCluster;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import org.junit.jupiter.api.Test;

class BackupObjectsTest {
  private static final ObjectStoreSpec AWS =
      new ObjectStoreSpec("backups", null, null, "eu-west-1", false, null);

  private static StoreBackup backup() {
    StoreBackup backup = StoreBackup.of("db", "nightly", new StoreBackupSpec("orders", null, null));
    backup.getMetadata().setUid("b-uid");
    return backup;
  }

  @Test
  void aTlsClusterIsBackedUpWithTheOperatorsCertificate() {
    StoreClusterModel model = StoreClusterModel.fromCrd(Fixtures.production());

    Job job = BackupObjects.backupJob(backup(), model, AWS);

    var pod = job.getSpec().getTemplate().getSpec();
    var agent = pod.getContainers().getFirst();
    assertThat(agent.getArgs())
        .contains(
            "--cacert=/etc/cairn/tls/backup/ca.crt",
            "--cert=/etc/cairn/tls/backup/tls.crt",
            "--key=/etc/cairn/tls/backup/tls.key",
            "--bucket=backups",
            "--region=eu-west-1");
    assertThat(agent.getArgs().get(1))
        .startsWith("--endpoints=https://orders-0.orders-peer.db.svc");
    assertThat(agent.getArgs())
        .noneMatch(a -> a.startsWith("--s3-endpoint") || a.equals("--path-style"));
    // No credentials Secret: the SDK's default chain (IRSA) finds them.
    assertThat(agent.getEnv()).isEmpty();
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .singleElement()
        .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("orders-operator-tls"));
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(agent.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
  }

  @Test
  void backupsDoNotTouchTheMembersPodTemplate() {
    StoreCluster plain = Fixtures.minimal();
    StoreCluster backedUp = Fixtures.minimal();
    backedUp.setSpec(
        backedUp.getSpec().withBackup(new BackupSpec("@daily", AWS, null, null, null, null)));

    // Turning backups on must not roll the members.
    assertThat(StoreClusterModel.fromCrd(backedUp).podTemplateHash())
        .isEqualTo(StoreClusterModel.fromCrd(plain).podTemplateHash());
    assertThat(
            StoreClusterModel.fromCrd(plain)
                .generateStatefulSet()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getInitContainers())
        .isEmpty();
  }

  @Test
  void membersOfAClusterFromABackupRestoreItFirst() {
    StoreClusterModel model =
        StoreClusterModel.fromCrd(Fixtures.minimal())
            .withRestore(new BackupLocation(AWS, "prod/c1/20261204T120000Z-r9.snapshot"));

    var pod = model.generateStatefulSet().getSpec().getTemplate().getSpec();

    var restore = pod.getInitContainers().getFirst();
    assertThat(restore.getImage()).isEqualTo("ghcr.io/cairn-dev/backup-agent:0.1.0");
    assertThat(restore.getArgs())
        .containsExactly(
            "restore",
            "--key=prod/c1/20261204T120000Z-r9.snapshot",
            "--bucket=backups",
            "--region=eu-west-1",
            "--data-dir=/var/lib/cairn",
            "--name=$(POD_NAME)",
            "--initial-cluster=$(INITIAL_CLUSTER)",
            "--initial-cluster-state=$(INITIAL_CLUSTER_STATE)",
            "--initial-cluster-token=db-orders",
            "--initial-advertise-peer-urls=http://$(POD_NAME).orders-peer.db.svc:2380",
            "--skip-existing-member");
    assertThat(restore.getEnv())
        .extracting(e -> e.getName())
        .containsExactly("POD_NAME", "INITIAL_CLUSTER", "INITIAL_CLUSTER_STATE");
    assertThat(restore.getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/var/lib/cairn"));
    // The member's own flags name the same peer URL the restore derived its id from.
    assertThat(pod.getContainers().getFirst().getArgs())
        .contains("--initial-advertise-peer-urls=http://$(POD_NAME).orders-peer.db.svc:2380");
  }
}
