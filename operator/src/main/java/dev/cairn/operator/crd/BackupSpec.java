package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/**
 * Backups of the cluster: where they go, when scheduled ones are taken, and how many are kept. Each
 * backup, scheduled or asked for, is a StoreBackup run as a Job of the backup agent.
 *
 * @param schedule a cron schedule in the CronJob format (five fields, or @hourly, @daily, ...), in
 *     UTC; unset takes backups only when a StoreBackup asks
 * @param objectStore where backups go
 * @param retention which scheduled backups are kept
 * @param suspend whether scheduling is paused (running backups finish)
 * @param image the backup agent's image; derived from the cluster's version when unset
 * @param serviceAccountName the service account of backup and delete Jobs, for IRSA or workload
 *     identity
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackupSpec(
    @JsonPropertyDescription(
            "Cron schedule of backups, as a CronJob's (e.g. \"0 */6 * * *\" or @daily), in UTC;"
                + " unset takes backups only when a StoreBackup asks.")
        String schedule,
    @JsonPropertyDescription("Where backups are kept.") @Required ObjectStoreSpec objectStore,
    @JsonPropertyDescription("Which scheduled backups are kept.") BackupRetentionSpec retention,
    @JsonPropertyDescription("Take no scheduled backups; running ones finish.") @Default("false")
        Boolean suspend,
    @JsonPropertyDescription("Image of the backup agent; derived from version when unset.")
        String image,
    @JsonPropertyDescription("Service account of backup and delete Jobs, e.g. for IRSA.")
        String serviceAccountName) {
  public BackupSpec {
    retention = retention == null ? BackupRetentionSpec.defaults() : retention;
    suspend = suspend != null && suspend;
  }
}
