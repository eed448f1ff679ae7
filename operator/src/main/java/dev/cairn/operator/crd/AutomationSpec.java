package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import java.time.Duration;

/**
 * How patient the operator is with members and with its own steps.
 *
 * @param replaceUnhealthyAfter how long a member may stay unhealthy, while the others keep a
 *     quorum, before the operator replaces it with a fresh member; {@code 0} never replaces for
 *     unhealthiness (a lost volume is still replaced)
 * @param stepTimeout how long one step (a learner catching up, a member starting, an upgraded
 *     member becoming healthy) may take before the cluster is reported Degraded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AutomationSpec(
    @JsonPropertyDescription(
            "How long a member may stay unhealthy, the others keeping quorum, before it is"
                + " replaced by a fresh member, e.g. 10m; 0 never.")
        @Default(DEFAULT_REPLACE_AFTER)
        @Pattern(DURATION)
        String replaceUnhealthyAfter,
    @JsonPropertyDescription(
            "How long one membership or upgrade step may take before the cluster is reported"
                + " Degraded, e.g. 10m.")
        @Default(DEFAULT_STEP_TIMEOUT)
        @Pattern(DURATION)
        String stepTimeout) {
  static final String DURATION = "^(0|([0-9]+(ns|us|ms|s|m|h))+)$";
  static final String DEFAULT_REPLACE_AFTER = "10m";
  static final String DEFAULT_STEP_TIMEOUT = "10m";

  public AutomationSpec {
    replaceUnhealthyAfter =
        replaceUnhealthyAfter == null ? DEFAULT_REPLACE_AFTER : replaceUnhealthyAfter;
    stepTimeout = stepTimeout == null ? DEFAULT_STEP_TIMEOUT : stepTimeout;
  }

  public static AutomationSpec defaults() {
    return new AutomationSpec(null, null);
  }

  /** {@link #replaceUnhealthyAfter} as a duration; zero means never. */
  public Duration replaceAfter() {
    return GoDuration.parse(replaceUnhealthyAfter);
  }

  /** {@link #stepTimeout} as a duration. */
  public Duration stepDeadline() {
    return GoDuration.parse(stepTimeout);
  }
}
