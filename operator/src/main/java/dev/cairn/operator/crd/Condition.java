package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One condition, following Kubernetes' metav1.Condition conventions.
 *
 * @param type {@code Available}, {@code Progressing} or {@code Degraded}
 * @param status {@code True}, {@code False} or {@code Unknown}
 * @param reason a CamelCase word a program may match on
 * @param message a sentence for a human
 * @param lastTransitionTime when {@code status} last changed, RFC 3339
 * @param observedGeneration the spec generation this condition was computed for
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(
    String type,
    String status,
    String reason,
    String message,
    String lastTransitionTime,
    Long observedGeneration) {
  public static final String AVAILABLE = "Available";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";
  public static final String QUORUM_LOST = "QuorumLost";
  public static final String BACKUP_READY = "BackupReady";

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  /** Whether the status is True. */
  @JsonIgnore
  public boolean isTrue() {
    return TRUE.equals(status);
  }
}
