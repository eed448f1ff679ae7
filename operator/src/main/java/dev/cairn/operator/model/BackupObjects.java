package dev.cairn.operator.model;

import dev.cairn.operator.crd.BackupLocation;
import dev.cairn.operator.crd.BackupSpec;
import dev.cairn.operator.crd.ObjectStoreSpec;
import dev.cairn.operator.crd.StoreBackup;
import dev.cairn.operator.crd.StoreClusterResources;
import dev.cairn.operator.crd.StoreClusterSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Kubernetes objects that run the backup agent: a Job taking a StoreBackup's backup, a Job
 * deleting its objects, and the init container that restores a backup into a new member.
 */
public final class BackupObjects {
  public static final String AGENT_IMAGE_REPOSITORY = "ghcr.io/cairn-dev/backup-agent";

  /** The container of backup and delete Jobs. */
  public static final String AGENT_CONTAINER = "backup-agent";

  /** The init container of members made from a backup. */
  public static final String RESTORE_CONTAINER = "restore";

  /** Where Kubernetes takes a container's termination message from; the agent's result goes. */
  static final String TERMINATION_LOG = "/dev/termination-log";

  static final String CLIENT_CERT_DIR = "/etc/cairn/tls/backup";

  /** Attempts after the first: a member restarting mid-snapshot should not fail the backup. */
  static final int BACKOFF_LIMIT = 2;

  private BackupObjects() {}

  /** The backup agent image: {@code spec.backup.image}, or the one of the cluster's version. */
  public static String agentImage(StoreClusterSpec spec) {
    if (spec.backup() != null && spec.backup().image() != null) {
      return spec.backup().image();
    }
    return AGENT_IMAGE_REPOSITORY + ":" + spec.version();
  }

  /** The Job taking {@code backup} of {@code cluster} into {@code store}. */
  public static Job backupJob(
      StoreBackup backup, StoreClusterModel cluster, ObjectStoreSpec store) {
    List<String> args = new ArrayList<>();
    args.add("backup");
    args.add(
        "--endpoints="
            + cluster.memberHosts().stream()
                .map(
                    host ->
                        cluster.clientScheme()
                            + "://"
                            + host
                            + ":"
                            + StoreClusterResources.CLIENT_PORT)
                .collect(Collectors.joining(",")));
    List<VolumeMount> mounts =
        new ArrayList<>(List.of(StoreClusterModel.mount("tmp", "/tmp", false)));
    List<Volume> volumes =
        new ArrayList<>(
            List.of(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build()));
    if (cluster.spec().clientTls()) {
      args.add("--cacert=" + CLIENT_CERT_DIR + "/" + TlsSecrets.CA_CERT);
      args.add("--cert=" + CLIENT_CERT_DIR + "/" + TlsSecrets.TLS_CERT);
      args.add("--key=" + CLIENT_CERT_DIR + "/" + TlsSecrets.TLS_KEY);
      mounts.add(StoreClusterModel.mount("client-certificate", CLIENT_CERT_DIR, true));
      volumes.add(
          new VolumeBuilder()
              .withName("client-certificate")
              .withNewSecret()
              .withSecretName(cluster.clientCertificateSecret())
              .withDefaultMode(0440)
              .endSecret()
              .build());
    }
    args.addAll(bucketArgs(store));
    args.add("--tmp-dir=/tmp");
    args.add("--result-file=" + TERMINATION_LOG);
    Container agent =
        agentContainer(AGENT_CONTAINER, agentImage(cluster.spec()), args, credentials(store))
            .withVolumeMounts(mounts)
            .build();
    return job(
        backup,
        StoreClusterResources.backupJobName(backup.getMetadata().getName()),
        agent,
        volumes,
        serviceAccount(cluster.spec().backup()));
  }

  /**
   * The Job deleting the backup at {@code location}, made when its StoreBackup is deleted.
   *
   * @param image the agent image; the cluster may be gone, so the caller picks it
   * @param serviceAccount the Job's service account, or null for the namespace's default
   */
  public static Job deleteJob(
      StoreBackup backup, BackupLocation location, String image, String serviceAccount) {
    List<String> args = new ArrayList<>();
    args.add("delete");
    args.add("--key=" + location.key());
    args.addAll(bucketArgs(location.objectStore()));
    Container agent =
        agentContainer(AGENT_CONTAINER, image, args, credentials(location.objectStore())).build();
    return job(
        backup,
        StoreClusterResources.backupDeleteJobName(backup.getMetadata().getName()),
        agent,
        List.of(),
        serviceAccount);
  }

  /**
   * The init container of a member of a cluster made from a backup. It restores only at the
   * cluster's creation (initial cluster state {@code new}) into a volume without a member, so a
   * restarted pod, and a member added later, which the cluster itself sends its data, start as they
   * would without it.
   */
  static Container restoreContainer(StoreClusterModel model, BackupLocation from) {
    List<String> args = new ArrayList<>();
    args.add("restore");
    args.add("--key=" + from.key());
    args.addAll(bucketArgs(from.objectStore()));
    args.add("--data-dir=" + StoreClusterModel.DATA_DIR);
    args.add("--name=$(POD_NAME)");
    args.add("--initial-cluster=$(INITIAL_CLUSTER)");
    args.add("--initial-cluster-state=$(INITIAL_CLUSTER_STATE)");
    args.add(
        "--initial-cluster-token="
            + StoreClusterResources.clusterToken(model.name(), model.namespace()));
    args.add("--initial-advertise-peer-urls=" + model.selfPeerUrl());
    args.add("--skip-existing-member");
    List<EnvVar> env = new ArrayList<>(model.env());
    env.addAll(credentials(from.objectStore()));
    return agentContainer(RESTORE_CONTAINER, agentImage(model.spec()), args, env)
        .withVolumeMounts(
            StoreClusterModel.mount(
                StoreClusterModel.DATA_VOLUME, StoreClusterModel.DATA_DIR, false),
            StoreClusterModel.mount("tmp", "/tmp", false))
        .build();
  }

  /** The agent's flags for a bucket. */
  static List<String> bucketArgs(ObjectStoreSpec store) {
    List<String> args = new ArrayList<>();
    args.add("--bucket=" + store.bucket());
    if (!store.prefix().isEmpty()) {
      args.add("--prefix=" + store.prefix());
    }
    if (store.endpoint() != null) {
      args.add("--s3-endpoint=" + store.endpoint());
    }
    if (store.region() != null) {
      args.add("--region=" + store.region());
    }
    if (store.pathStyle()) {
      args.add("--path-style");
    }
    return args;
  }

  /** The credentials Secret's keys as the AWS SDK's variables; none leaves its default chain. */
  static List<EnvVar> credentials(ObjectStoreSpec store) {
    if (store.credentialsSecret() == null) {
      return List.of();
    }
    return List.of(
        secretEnv(ObjectStoreSpec.ACCESS_KEY_ID, store.credentialsSecret()),
        secretEnv(ObjectStoreSpec.SECRET_ACCESS_KEY, store.credentialsSecret()));
  }

  private static EnvVar secretEnv(String key, String secret) {
    return new EnvVarBuilder()
        .withName(key)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(secret)
        .withKey(key)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  private static ContainerBuilder agentContainer(
      String name, String image, List<String> args, List<EnvVar> env) {
    return new ContainerBuilder()
        .withName(name)
        .withImage(image)
        .withArgs(args)
        .withEnv(env)
        // A failure's one-line reason is the last line of the log when no result was written.
        .withTerminationMessagePath(TERMINATION_LOG)
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withSecurityContext(StoreClusterModel.containerSecurity());
  }

  private static Job job(
      StoreBackup backup,
      String name,
      Container agent,
      List<Volume> volumes,
      String serviceAccount) {
    String cluster = backup.getSpec().clusterName();
    Map<String, String> labels = Labels.of(cluster, "backup");
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(backup.getMetadata().getNamespace())
        .withLabels(labels)
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion(backup.getApiVersion())
                .withKind(backup.getKind())
                .withName(backup.getMetadata().getName())
                .withUid(backup.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build())
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(BACKOFF_LIMIT)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withSpec(
            new PodSpecBuilder()
                .withRestartPolicy("Never")
                .withServiceAccountName(serviceAccount)
                .withEnableServiceLinks(false)
                .withContainers(agent)
                .withVolumes(volumes)
                .withSecurityContext(StoreClusterModel.podSecurity())
                .build())
        .endTemplate()
        .endSpec()
        .build();
  }

  private static String serviceAccount(BackupSpec backup) {
    return backup == null ? null : backup.serviceAccountName();
  }
}
