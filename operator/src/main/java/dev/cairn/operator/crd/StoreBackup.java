package dev.cairn.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One backup of a StoreCluster: asked for by a user or by the cluster's schedule, taken by a Job of
 * the backup agent, and kept in object storage for as long as this resource exists (with the
 * default deletion policy).
 */
@Group(StoreCluster.GROUP)
@Version(StoreCluster.VERSION)
@Plural("storebackups")
@ShortNames("sb")
@AdditionalPrinterColumn(
    name = "Cluster",
    jsonPath = ".spec.clusterName",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Revision",
    jsonPath = ".status.revision",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Size",
    jsonPath = ".status.size",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class StoreBackup extends CustomResource<StoreBackupSpec, StoreBackupStatus>
    implements Namespaced {

  /** An empty resource, for Jackson. */
  public StoreBackup() {}

  /** A resource with the given metadata name, namespace and spec, for tests and tools. */
  public static StoreBackup of(String namespace, String name, StoreBackupSpec spec) {
    StoreBackup backup = new StoreBackup();
    backup.getMetadata().setNamespace(namespace);
    backup.getMetadata().setName(name);
    backup.setSpec(spec);
    return backup;
  }
}
