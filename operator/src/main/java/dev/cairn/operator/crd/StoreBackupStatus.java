package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A backup as it went. Written only by the operator.
 *
 * @param phase {@code Pending}, {@code Running}, {@code Succeeded} or {@code Failed}
 * @param message why it failed, or what it waits for
 * @param jobName the Job that takes the backup
 * @param objectStore where the backup is (the spec's or, at the time of the backup, the cluster's),
 *     so that it can be found and deleted when the cluster has changed or is gone
 * @param key the snapshot's object key
 * @param size the snapshot's size in bytes
 * @param sha256 the snapshot's SHA-256, hex
 * @param revision the store revision the snapshot holds
 * @param clusterId the backed-up cluster's id, hex
 * @param startTime when the Job started, RFC 3339
 * @param completionTime when it succeeded or failed, RFC 3339
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StoreBackupStatus(
    String phase,
    String message,
    String jobName,
    ObjectStoreSpec objectStore,
    String key,
    Long size,
    String sha256,
    Long revision,
    String clusterId,
    String startTime,
    String completionTime) {
  public static final String PENDING = "Pending";
  public static final String RUNNING = "Running";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";

  /** A backup without a result (yet, or ever). */
  public static StoreBackupStatus without(
      String phase,
      String message,
      String jobName,
      ObjectStoreSpec objectStore,
      String startTime,
      String completionTime) {
    return new StoreBackupStatus(
        phase,
        message,
        jobName,
        objectStore,
        null,
        null,
        null,
        null,
        null,
        startTime,
        completionTime);
  }

  /** Whether the backup has ended, either way. */
  @JsonIgnore
  public boolean finished() {
    return SUCCEEDED.equals(phase) || FAILED.equals(phase);
  }

  @JsonIgnore
  public boolean succeeded() {
    return SUCCEEDED.equals(phase);
  }
}
