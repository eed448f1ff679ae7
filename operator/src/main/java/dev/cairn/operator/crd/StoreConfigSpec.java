package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The store-node settings every member gets, named after etcd's flags.
 *
 * @param quotaBackendBytes {@code --quota-backend-bytes}; 0 for the store's 2 GiB
 * @param autoCompactionMode {@code --auto-compaction-mode}: periodic or revision
 * @param autoCompactionRetention {@code --auto-compaction-retention}, e.g. {@code 1h} or {@code
 *     1000}; "0" turns auto-compaction off
 * @param snapshotCount {@code --snapshot-count}
 * @param heartbeatIntervalMs {@code --heartbeat-interval} in milliseconds
 * @param electionTimeoutMs {@code --election-timeout} in milliseconds; at least five heartbeats
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.electionTimeoutMs >= 5 * self.heartbeatIntervalMs",
    message = "config.electionTimeoutMs must be at least 5 times config.heartbeatIntervalMs")
public record StoreConfigSpec(
    @JsonPropertyDescription("Space quota of the key space in bytes; 0 means the store's 2 GiB.")
        @Default("0")
        @Min(0)
        @Max(8L * 1024 * 1024 * 1024)
        Long quotaBackendBytes,
    @JsonPropertyDescription("periodic or revision.")
        @Default("periodic")
        @Pattern("^(periodic|revision)$")
        String autoCompactionMode,
    @JsonPropertyDescription(
            "What auto-compaction keeps: a duration (periodic) or a revision count; 0 is off.")
        @Default("1h")
        @Pattern("^([0-9]+|([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+)$")
        String autoCompactionRetention,
    @JsonPropertyDescription("Applied entries between Raft snapshots.") @Default("10000") @Min(1)
        Long snapshotCount,
    @JsonPropertyDescription("Milliseconds between leader heartbeats.")
        @Default("100")
        @Min(10)
        @Max(10000)
        Integer heartbeatIntervalMs,
    @JsonPropertyDescription("Milliseconds before a follower calls an election.")
        @Default("1000")
        @Min(50)
        @Max(50000)
        Integer electionTimeoutMs) {

  public StoreConfigSpec {
    quotaBackendBytes = quotaBackendBytes == null ? 0L : quotaBackendBytes;
    autoCompactionMode = autoCompactionMode == null ? "periodic" : autoCompactionMode;
    autoCompactionRetention = autoCompactionRetention == null ? "1h" : autoCompactionRetention;
    snapshotCount = snapshotCount == null ? 10_000L : snapshotCount;
    heartbeatIntervalMs = heartbeatIntervalMs == null ? 100 : heartbeatIntervalMs;
    electionTimeoutMs = electionTimeoutMs == null ? 1000 : electionTimeoutMs;
  }

  /** etcd's defaults, with hourly auto-compaction. */
  public static StoreConfigSpec defaults() {
    return new StoreConfigSpec(null, null, null, null, null, null);
  }
}
