package dev.cairn.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A cluster of store-node members, as the user asks for it (spec) and as it is (status). */
@Group(StoreCluster.GROUP)
@Version(StoreCluster.VERSION)
@Plural("storeclusters")
@ShortNames("sc")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.ready",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Members",
    jsonPath = ".status.memberCount",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Leader",
    jsonPath = ".status.leader",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Version",
    jsonPath = ".status.version",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class StoreCluster extends CustomResource<StoreClusterSpec, StoreClusterStatus>
    implements Namespaced {
  public static final String GROUP = "cairn.dev";
  public static final String VERSION = "v1alpha1";

  /** An empty resource, for Jackson. */
  public StoreCluster() {}

  /** A resource with the given metadata name, namespace and spec, for tests and tools. */
  public static StoreCluster of(String namespace, String name, StoreClusterSpec spec) {
    StoreCluster cluster = new StoreCluster();
    cluster.getMetadata().setNamespace(namespace);
    cluster.getMetadata().setName(name);
    cluster.setSpec(spec);
    return cluster;
  }

  @Override
  protected StoreClusterSpec initSpec() {
    return StoreClusterSpec.defaults();
  }
}
