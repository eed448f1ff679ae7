package dev.cairn.operator.crd;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Every name derived from a StoreCluster's name and namespace, in one place. Changing one of these
 * orphans the objects of existing clusters, so they are part of the API.
 */
public final class StoreClusterResources {
  /** On the pod template and so on each pod: a hash of the template the pod was made from. */
  public static final String TEMPLATE_HASH_ANNOTATION = "cairn.dev/pod-template-hash";

  public static final int CLIENT_PORT = 2379;
  public static final int PEER_PORT = 2380;

  /** The plain-HTTP port of a member's metrics and health endpoints (--listen-metrics-urls). */
  public static final int METRICS_PORT = 2381;

  private StoreClusterResources() {}

  /** The headless Service giving each member a stable DNS name for peers. */
  public static String peerServiceName(String cluster) {
    return cluster + "-peer";
  }

  /** The Service clients connect to. */
  public static String clientServiceName(String cluster) {
    return cluster + "-client";
  }

  /** The StatefulSet running the members; also each pod's name prefix. */
  public static String statefulSetName(String cluster) {
    return cluster;
  }

  /** The ConfigMap carrying the bootstrap settings ({@code --initial-cluster} and its state). */
  public static String bootstrapConfigMapName(String cluster) {
    return cluster + "-bootstrap";
  }

  /** The PodDisruptionBudget keeping a quorum up during voluntary disruptions. */
  public static String podDisruptionBudgetName(String cluster) {
    return cluster;
  }

  /** The generated CA's Secret (certificate and key). */
  public static String caSecretName(String cluster) {
    return cluster + "-ca";
  }

  /** The generated client-listener Secret. */
  public static String clientTlsSecretName(String cluster) {
    return cluster + "-client-tls";
  }

  /** The generated peer-listener Secret. */
  public static String peerTlsSecretName(String cluster) {
    return cluster + "-peer-tls";
  }

  /** The generated certificate the operator itself presents to the members. */
  public static String operatorTlsSecretName(String cluster) {
    return cluster + "-operator-tls";
  }

  /** The name of member {@code ordinal} (its pod's name). */
  public static String memberName(String cluster, int ordinal) {
    return statefulSetName(cluster) + "-" + ordinal;
  }

  /** The names of the members of a cluster of {@code replicas}. */
  public static List<String> memberNames(String cluster, int replicas) {
    return IntStream.range(0, replicas).mapToObj(i -> memberName(cluster, i)).toList();
  }

  /** A member's DNS name through the peer Service. */
  public static String memberHost(String cluster, String namespace, String member) {
    return member + "." + peerServiceName(cluster) + "." + namespace + ".svc";
  }

  /** The client Service's DNS name. */
  public static String clientHost(String cluster, String namespace) {
    return clientServiceName(cluster) + "." + namespace + ".svc";
  }

  /** The etcd token that keeps two clusters of the same name in different namespaces apart. */
  public static String clusterToken(String cluster, String namespace) {
    return namespace + "-" + cluster;
  }

  /** The Job that takes a StoreBackup's backup. */
  public static String backupJobName(String backup) {
    return backup + "-backup";
  }

  /** The Job that deletes a StoreBackup's objects once the StoreBackup is deleted. */
  public static String backupDeleteJobName(String backup) {
    return backup + "-delete";
  }

  /**
   * The StoreBackup a schedule makes for its run at {@code time}: one name per run, so that a pass
   * repeated after a crash finds the run it already made.
   */
  public static String scheduledBackupName(String cluster, java.time.Instant time) {
    return cluster
        + "-"
        + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmm")
            .withZone(java.time.ZoneOffset.UTC)
            .format(time);
  }
}
