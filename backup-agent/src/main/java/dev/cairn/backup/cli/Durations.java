package dev.cairn.backup.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as Go writes them ({@code 72h}, {@code 1h30m}, {@code 500ms}) or in ISO-8601. */
final class Durations {
  private static final Pattern GO = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

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
    if (v.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = GO.matcher(v);
    BigDecimal nanos = BigDecimal.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      BigDecimal n = new BigDecimal(m.group(1));
      long unit =
          switch (m.group(2)) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
          };
      nanos = nanos.add(n.multiply(BigDecimal.valueOf(unit)));
      end = m.end();
    }
    if (end == 0 || end != v.length()) {
      throw invalid(flag, value);
    }
    return Duration.ofNanos(nanos.longValue());
  }

  private static IllegalArgumentException invalid(String flag, String value) {
    return new IllegalArgumentException(
        flag
            + " must be a duration such as 72h, 90m or 1h30m, or ISO-8601 such as P3D, not '"
            + value
            + "'");
  }
}
