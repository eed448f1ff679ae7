package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;

/**
 * What a user may change in the members' pods; everything else is the operator's.
 *
 * @param labels added to each pod; the operator's own labels win on a clash
 * @param annotations added to each pod
 * @param affinity the pods' affinity, e.g. anti-affinity across nodes
 * @param tolerations the pods' tolerations
 * @param nodeSelector the pods' node selector
 * @param topologySpreadConstraints the pods' topology spread, e.g. across zones
 * @param priorityClassName the pods' PriorityClass
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record PodSpecOverrides(
    @JsonPropertyDescription("Labels added to each member pod.") Map<String, String> labels,
    @JsonPropertyDescription("Annotations added to each member pod.")
        Map<String, String> annotations,
    @JsonPropertyDescription("Affinity of the member pods.") Affinity affinity,
    @JsonPropertyDescription("Tolerations of the member pods.") List<Toleration> tolerations,
    @JsonPropertyDescription("Node selector of the member pods.") Map<String, String> nodeSelector,
    @JsonPropertyDescription("Topology spread constraints of the member pods.")
        List<TopologySpreadConstraint> topologySpreadConstraints,
    @JsonPropertyDescription("PriorityClass of the member pods.") String priorityClassName) {

  public PodSpecOverrides {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
    nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
    topologySpreadConstraints =
        topologySpreadConstraints == null ? List.of() : List.copyOf(topologySpreadConstraints);
  }

  /** No overrides. */
  public static PodSpecOverrides none() {
    return new PodSpecOverrides(null, null, null, null, null, null, null);
  }
}
