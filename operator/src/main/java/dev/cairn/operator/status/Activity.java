package dev.cairn.operator.status;

import java.time.Duration;
import java.util.Map;

/**
 * What the reconciler made of the membership in one pass, for the status.
 *
 * @param step the step taken or waited on, in words; null when the cluster is as the spec asks
 * @param stepTimeout how long one step may last before the cluster is reported Degraded
 * @param volumes each member pod's PersistentVolumeClaim uid, by member name
 */
public record Activity(String step, Duration stepTimeout, Map<String, String> volumes) {
  public Activity {
    volumes = Map.copyOf(volumes);
  }

  /** No step, no volumes known. */
  public static Activity none() {
    return new Activity(null, Duration.ofMinutes(10), Map.of());
  }
}
