package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import java.time.Duration;
import java.util.Optional;

/**
 * Which scheduled backups are kept. A succeeded backup goes when it is outside the newest {@code
 * keepLast} or older than {@code maxAge}; the newest succeeded backup always stays.
 *
 * @param keepLast how many succeeded scheduled backups to keep
 * @param maxAge how old a scheduled backup may grow; unset keeps them regardless of age
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackupRetentionSpec(
    @JsonPropertyDescription("Keep the newest N succeeded scheduled backups.") @Default("7") @Min(1)
        Integer keepLast,
    @JsonPropertyDescription(
            "Delete scheduled backups older than this, e.g. 168h; the newest succeeded one always"
                + " stays.")
        @Pattern(AutomationSpec.DURATION)
        String maxAge) {
  static final int DEFAULT_KEEP_LAST = 7;

  public BackupRetentionSpec {
    keepLast = keepLast == null ? DEFAULT_KEEP_LAST : keepLast;
  }

  public static BackupRetentionSpec defaults() {
    return new BackupRetentionSpec(null, null);
  }

  /** {@link #maxAge} as a duration, if set and not zero. */
  public Optional<Duration> maxAgeDuration() {
    return Optional.ofNullable(maxAge).map(GoDuration::parse).filter(d -> !d.isZero());
  }
}
