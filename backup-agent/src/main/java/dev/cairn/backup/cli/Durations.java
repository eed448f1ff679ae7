package dev.cairn.backup.cli;

import dev.cairn.store.support.GoDurations;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/** Durations as Go writes them ({@code 72h}, {@code 1h30m}, {@code 500ms}) or in ISO-8601. */
final class Durations {
  private Durations() {}

  /**
   * @throws IllegalArgumentException naming {@code flag} and the accepted forms
   */
  static Duration parse(String flag, String value) {
    String v = value.trim();
    if (v.startsWith("P") || v.startsWith("p")) {
      try {
        return Duration.parse(v);
      } catch (DateTimeParseException e) {
        throw invalid(flag, value);
      }
    }
    return GoDurations.parse(v).orElseThrow(() -> invalid(flag, value));
  }

  private static IllegalArgumentException invalid(String flag, String value) {
    return new IllegalArgumentException(
        flag
            + " must be a duration such as 72h, 90m or 1h30m, or ISO-8601 such as P3D, not '"
            + value
            + "'");
  }
}
