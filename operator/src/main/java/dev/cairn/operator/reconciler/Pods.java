package dev.cairn.operator.reconciler;

import dev.cairn.operator.crd.StoreClusterResources;
import dev.cairn.operator.model.BackupObjects;
import dev.cairn.operator.model.Labels;
import dev.cairn.operator.model.StoreClusterModel;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The member pods, their volume claims and their StatefulSet, as the API has them at the start of
 * one pass. A member's pod and its claim share the member's name: pod {@code NAME-N}, claim {@code
 * data-NAME-N}, as the StatefulSet controller names them.
 */
final class Pods {
  private final String namespace;
  private final StatefulSet set;
  private final Map<String, Pod> pods;
  private final Map<String, PersistentVolumeClaim> claims;

  private Pods(
      String namespace,
      StatefulSet set,
      Map<String, Pod> pods,
      Map<String, PersistentVolumeClaim> claims) {
    this.namespace = namespace;
    this.set = set;
    this.pods = pods;
    this.claims = claims;
  }

  static Pods of(KubernetesClient client, StoreClusterModel model) {
    String namespace = model.namespace();
    Map<String, String> selector = Labels.selector(model.name());
    Map<String, Pod> pods = new TreeMap<>();
    for (Pod pod : client.pods().inNamespace(namespace).withLabels(selector).list().getItems()) {
      pods.put(pod.getMetadata().getName(), pod);
    }
    Map<String, PersistentVolumeClaim> claims = new TreeMap<>();
    String prefix = StoreClusterModel.DATA_VOLUME + "-";
    for (PersistentVolumeClaim claim :
        client
            .persistentVolumeClaims()
            .inNamespace(namespace)
            .withLabels(selector)
            .list()
            .getItems()) {
      String claimName = claim.getMetadata().getName();
      if (claimName.startsWith(prefix)) {
        claims.put(claimName.substring(prefix.length()), claim);
      }
    }
    StatefulSet set =
        client
            .apps()
            .statefulSets()
            .inNamespace(namespace)
            .withName(StoreClusterResources.statefulSetName(model.name()))
            .get();
    return new Pods(namespace, set, pods, claims);
  }

  boolean exists(String member) {
    return pods.containsKey(member);
  }

  /** The pod template hash the member's pod was made from; empty without a pod. */
  Optional<String> templateHash(String member) {
    return Optional.ofNullable(pods.get(member))
        .map(p -> p.getMetadata().getAnnotations())
        .map(a -> a.getOrDefault(StoreClusterResources.TEMPLATE_HASH_ANNOTATION, ""));
  }

  /** The uid of the member's claim; null when it has none, or only one being deleted. */
  String claimUid(String member) {
    PersistentVolumeClaim claim = claims.get(member);
    if (claim == null || claim.getMetadata().getDeletionTimestamp() != null) {
      return null;
    }
    return claim.getMetadata().getUid();
  }

  /** Every member pod's claim uid, by member name. */
  Map<String, String> claimUids() {
    Map<String, String> uids = new LinkedHashMap<>();
    for (String member : claims.keySet()) {
      String uid = claimUid(member);
      if (uid != null) {
        uids.put(member, uid);
      }
    }
    return uids;
  }

  /**
   * Null when the StatefulSet has all its pods and each is ready, {@code except} (the member a step
   * is about to add, remove or restart) aside; otherwise what is still awaited.
   */
  String settledExcept(String except) {
    if (set == null || set.getSpec() == null || set.getSpec().getReplicas() == null) {
      return "no StatefulSet yet";
    }
    int wanted = set.getSpec().getReplicas();
    for (Pod pod : pods.values()) {
      String name = pod.getMetadata().getName();
      if (StoreClusterModel.ordinal(name) >= wanted) {
        return "pod " + name + " to stop";
      }
    }
    for (int ordinal = 0; ordinal < wanted; ordinal++) {
      String name = set.getMetadata().getName() + "-" + ordinal;
      if (name.equals(except)) {
        continue;
      }
      Pod pod = pods.get(name);
      if (pod == null) {
        return "pod " + name + " to start";
      }
      if (!isReady(pod)) {
        return "pod " + name + " to be ready";
      }
    }
    return null;
  }

  /** Deletes the member's pod; its StatefulSet makes it again from the current template. */
  void deletePod(KubernetesClient client, String member) {
    client.pods().inNamespace(namespace).withName(member).delete();
  }

  /**
   * Deletes the member's claim and then its pod: the StatefulSet makes both again, the claim empty,
   * so that a member added later under this name starts without the old one's data.
   */
  void deleteMember(KubernetesClient client, String member) {
    client
        .persistentVolumeClaims()
        .inNamespace(namespace)
        .withName(StoreClusterModel.DATA_VOLUME + "-" + member)
        .delete();
    deletePod(client, member);
  }

  /**
   * A pod made while its claim was still being deleted would wait for that claim forever: deleting
   * the pod again lets the StatefulSet make both anew.
   */
  void deletePodsOfDeletedClaims(KubernetesClient client) {
    for (Map.Entry<String, Pod> entry : pods.entrySet()) {
      PersistentVolumeClaim claim = claims.get(entry.getKey());
      if (claim != null
          && claim.getMetadata().getDeletionTimestamp() != null
          && !isReady(entry.getValue())) {
        deletePod(client, entry.getKey());
      }
    }
  }

  private static boolean isReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && Objects.equals("True", c.getStatus()));
  }

  /**
   * Why a member cannot restore the backup it starts from: the restore init container's last
   * failure, while the pod has not got past it.
   */
  Optional<String> restoreFailure() {
    return pods.values().stream()
        .sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName()))
        .flatMap(
            pod ->
                restoreStatus(pod)
                    .flatMap(Pods::failedTermination)
                    .map(
                        message ->
                            pod.getMetadata().getName()
                                + " cannot restore the backup it starts from: "
                                + message)
                    .stream())
        .findFirst();
  }

  private static Optional<io.fabric8.kubernetes.api.model.ContainerStatus> restoreStatus(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getInitContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getInitContainerStatuses().stream()
        .filter(c -> BackupObjects.RESTORE_CONTAINER.equals(c.getName()))
        .findFirst();
  }

  /**
   * The last line of a failed run's message, unless the container has since succeeded. A run under
   * way after a failure still counts as failing: a restore fails the same way each time.
   */
  private static Optional<String> failedTermination(
      io.fabric8.kubernetes.api.model.ContainerStatus status) {
    var state = status.getState();
    if (state != null && state.getTerminated() != null) {
      var done = state.getTerminated();
      return done.getExitCode() != null && done.getExitCode() == 0
          ? Optional.empty()
          : Optional.of(lastLine(done.getMessage(), done.getExitCode()));
    }
    var last = status.getLastState();
    if (last != null
        && last.getTerminated() != null
        && last.getTerminated().getExitCode() != null
        && last.getTerminated().getExitCode() != 0) {
      return Optional.of(
          lastLine(last.getTerminated().getMessage(), last.getTerminated().getExitCode()));
    }
    return Optional.empty();
  }

  private static String lastLine(String message, Integer exitCode) {
    String line = message == null ? "" : StoreBackupReconciler.lastLine(message);
    return line.isEmpty() ? "exit code " + exitCode : line;
  }
}
