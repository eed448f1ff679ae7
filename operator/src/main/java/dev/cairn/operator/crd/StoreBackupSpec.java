package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * What to back up and where.
 *
 * @param clusterName the StoreCluster in this namespace to back up
 * @param objectStore where the backup goes; unset takes the cluster's {@code spec.backup}
 * @param deletionPolicy {@code Delete} removes the backup's objects with this resource, {@code
 *     Retain} leaves them in the bucket
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf", message = "a StoreBackup's spec cannot change")
public record StoreBackupSpec(
    @JsonPropertyDescription("The StoreCluster in this namespace to back up.") @Required
        String clusterName,
    @JsonPropertyDescription("Where the backup goes; unset takes the cluster's spec.backup.")
        ObjectStoreSpec objectStore,
    @JsonPropertyDescription(
            "Delete removes the backup's objects with this resource; Retain leaves them.")
        @Default(DELETE)
        @Pattern("^(Delete|Retain)$")
        String deletionPolicy) {
  public static final String DELETE = "Delete";
  public static final String RETAIN = "Retain";

  public StoreBackupSpec {
    deletionPolicy = deletionPolicy == null ? DELETE : deletionPolicy;
  }
}
