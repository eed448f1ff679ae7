package dev.cairn.operator.harness;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What kube-controller-manager does for a StatefulSet, as far as the operator can tell: pods {@code
 * NAME-0..N-1} from the template, each with a claim per volume claim template named as Kubernetes
 * names it, made before the pod; the claim retention policy; {@code status.readyReplicas} counted
 * from the pods' Ready conditions. Existing pods are never changed: updates are OnDelete.
 */
record StatefulSetController(KubernetesClient client) {
  static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

  /** One level-triggered pass over every StatefulSet. */
  void sync() {
    for (StatefulSet set : client.apps().statefulSets().inAnyNamespace().list().getItems()) {
      sync(set);
    }
  }

  private void sync(StatefulSet set) {
    String namespace = set.getMetadata().getNamespace();
    String name = set.getMetadata().getName();
    int replicas = Objects.requireNonNullElse(set.getSpec().getReplicas(), 1);
    List<Pod> pods = ownedPods(set);
    for (int ordinal = 0; ordinal < replicas; ordinal++) {
      String podName = name + "-" + ordinal;
      if (pods.stream().noneMatch(p -> p.getMetadata().getName().equals(podName))) {
        // Claims first, as the controller does: a pod never starts without its volumes.
        for (PersistentVolumeClaim template : set.getSpec().getVolumeClaimTemplates()) {
          String claim = claimName(template.getMetadata().getName(), podName);
          if (client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get()
              == null) {
            client.resource(claim(set, template, claim)).create();
          }
        }
        client.resource(pod(set, podName)).create();
      }
    }
    int ready = 0;
    for (Pod pod : pods) {
      if (ordinal(name, pod) >= replicas) {
        client.resource(pod).delete();
      } else if (isReady(pod)) {
        ready++;
      }
    }
    if (policy(set, true).equals("Delete")) {
      // whenScaled: Delete: the claims of ordinals past the replicas go with their pods.
      for (PersistentVolumeClaim template : set.getSpec().getVolumeClaimTemplates()) {
        String prefix = template.getMetadata().getName() + "-" + name + "-";
        for (PersistentVolumeClaim claim :
            client.persistentVolumeClaims().inNamespace(namespace).list().getItems()) {
          String claimName = claim.getMetadata().getName();
          if (claimName.startsWith(prefix)
              && claimName.substring(prefix.length()).matches("[0-9]+")
              && Integer.parseInt(claimName.substring(prefix.length())) >= replicas) {
            client.resource(claim).delete();
          }
        }
      }
    }
    Integer current = set.getStatus() == null ? null : set.getStatus().getReadyReplicas();
    Integer currentReplicas = set.getStatus() == null ? null : set.getStatus().getReplicas();
    if (!Objects.equals(current, ready) || !Objects.equals(currentReplicas, pods.size())) {
      final int readyCount = ready;
      final int podCount = Math.min(pods.size(), replicas);
      client
          .apps()
          .statefulSets()
          .inNamespace(namespace)
          .withName(name)
          .editStatus(
              s -> {
                s.setStatus(
                    new StatefulSetStatusBuilder()
                        .withReplicas(podCount)
                        .withReadyReplicas(readyCount)
                        .withAvailableReplicas(readyCount)
                        .withObservedGeneration(s.getMetadata().getGeneration())
                        .build());
                return s;
              });
    }
  }

  private List<Pod> ownedPods(StatefulSet set) {
    String uid = set.getMetadata().getUid();
    return client.pods().inNamespace(set.getMetadata().getNamespace()).list().getItems().stream()
        .filter(
            p ->
                p.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid())))
        .toList();
  }

  private static int ordinal(String setName, Pod pod) {
    return Integer.parseInt(pod.getMetadata().getName().substring(setName.length() + 1));
  }

  static boolean isReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The claim a pod's volume refers to: {@code TEMPLATE-POD}, as Kubernetes names it. */
  static String claimName(String template, String podName) {
    return template + "-" + podName;
  }

  /** The retention policy's whenScaled ({@code scaled}) or whenDeleted; Retain when unset. */
  private static String policy(StatefulSet set, boolean scaled) {
    var policy = set.getSpec().getPersistentVolumeClaimRetentionPolicy();
    if (policy == null) {
      return "Retain";
    }
    String value = scaled ? policy.getWhenScaled() : policy.getWhenDeleted();
    return value == null ? "Retain" : value;
  }

  /**
   * A claim from its template, labelled as the template says; owned by the StatefulSet when
   * whenDeleted is Delete, so that deleting the set deletes it.
   */
  private static PersistentVolumeClaim claim(
      StatefulSet set, PersistentVolumeClaim template, String claimName) {
    var metadata =
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(claimName)
            .withNamespace(set.getMetadata().getNamespace())
            .withLabels(template.getMetadata().getLabels());
    if (policy(set, false).equals("Delete")) {
      metadata.withOwnerReferences(
          new OwnerReferenceBuilder()
              .withApiVersion("apps/v1")
              .withKind("StatefulSet")
              .withName(set.getMetadata().getName())
              .withUid(set.getMetadata().getUid())
              .build());
    }
    return new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
        .withMetadata(metadata.build())
        .withSpec(template.getSpec())
        .build();
  }

  private static Pod pod(StatefulSet set, String podName) {
    var template = set.getSpec().getTemplate();
    Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels());
    labels.put(POD_NAME_LABEL, podName);
    PodSpecBuilder spec =
        new PodSpecBuilder(template.getSpec())
            // hostname.subdomain is the pod's DNS name under the governing headless Service.
            .withHostname(podName)
            .withSubdomain(set.getSpec().getServiceName());
    for (PersistentVolumeClaim claim : set.getSpec().getVolumeClaimTemplates()) {
      String volume = claim.getMetadata().getName();
      spec.addToVolumes(
          new VolumeBuilder()
              .withName(volume)
              .withNewPersistentVolumeClaim()
              .withClaimName(claimName(volume, podName))
              .endPersistentVolumeClaim()
              .build());
    }
    PodSpec podSpec = spec.build();
    return new PodBuilder()
        .withNewMetadata()
        .withName(podName)
        .withNamespace(set.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(template.getMetadata().getAnnotations())
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion("apps/v1")
                .withKind("StatefulSet")
                .withName(set.getMetadata().getName())
                .withUid(set.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build())
        .endMetadata()
        .withSpec(podSpec)
        .withNewStatus()
        .withPhase("Pending")
        .endStatus()
        .build();
  }
}
