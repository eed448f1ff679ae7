package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * How a new cluster starts. Immutable once set: it describes how the cluster was born, not what it
 * is.
 *
 * @param fromBackup a backup the members restore before their first start
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BootstrapSpec(
    @JsonPropertyDescription("A backup every member restores before its first start.")
        FromBackup fromBackup) {

  /**
   * A backup to start from: a StoreBackup in the cluster's namespace, or an object in a bucket.
   *
   * @param storeBackup a succeeded StoreBackup's name
   * @param objectStore the bucket holding {@code key}
   * @param key the backup's snapshot (or manifest) key, as {@code backup-agent list} prints it
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value =
          "has(self.storeBackup) ? !has(self.objectStore) && !has(self.key)"
              + " : has(self.objectStore) && has(self.key)",
      message = "fromBackup names either a storeBackup, or an objectStore and a key")
  public record FromBackup(
      @JsonPropertyDescription("Name of a succeeded StoreBackup in this namespace.")
          String storeBackup,
      @JsonPropertyDescription("The bucket holding key.") ObjectStoreSpec objectStore,
      @JsonPropertyDescription("The backup's key, as 'backup-agent list' prints it.") String key) {}
}
