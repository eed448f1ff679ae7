package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * One PersistentVolumeClaim per member.
 *
 * @param size the requested size of each member's volume, a Kubernetes quantity
 * @param storageClassName the StorageClass of the volumes; null for the cluster's default
 * @param retentionPolicy whether the volumes outlive the StoreCluster
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// A StatefulSet's volumeClaimTemplates cannot change, so neither can what they are made from. The
// rules sit on the object rather than the fields so that setting an unset class counts as a change.
@ValidationRule(value = "self.size == oldSelf.size", message = "storage.size is immutable")
@ValidationRule(
    value =
        "has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)",
    message = "storage.storageClassName is immutable")
public record StorageSpec(
    @JsonPropertyDescription("Requested size of each member's volume, e.g. 8Gi.")
        @Default(StorageSpec.DEFAULT_SIZE)
        @Pattern(QUANTITY)
        String size,
    @JsonPropertyDescription("StorageClass of the members' volumes; the default class if unset.")
        String storageClassName,
    @JsonPropertyDescription(
            "Retain keeps the volumes when the StoreCluster is deleted; Delete removes them.")
        @Default("Retain")
        RetentionPolicy retentionPolicy) {
  static final String DEFAULT_SIZE = "8Gi";
  static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$";

  public StorageSpec {
    size = size == null ? DEFAULT_SIZE : size;
    retentionPolicy = retentionPolicy == null ? RetentionPolicy.Retain : retentionPolicy;
  }

  /** 8Gi on the default StorageClass, retained. */
  public static StorageSpec defaults() {
    return new StorageSpec(null, null, null);
  }
}
