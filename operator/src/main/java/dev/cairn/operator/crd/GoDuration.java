package dev.cairn.operator.crd;

import java.time.Duration;
import java.util.regex.Matcher;

/** Durations as Go and kubectl write them: {@code 90s}, {@code 1h30m}, {@code 500ms}, {@code 0}. */
public final class GoDuration {
  private static final java.util.regex.Pattern PART =
      java.util.regex.Pattern.compile("([0-9]+)(ns|us|ms|s|m|h)");

  private GoDuration() {}

  /**
   * @throws IllegalArgumentException for anything the CRD's pattern would have refused
   */
  public static Duration parse(String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "ns" -> Duration.ofNanos(n);
                case "us" -> Duration.ofNanos(n * 1000);
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
              });
      end = m.end();
    }
    if (end == 0 || end != text.length()) {
      throw new IllegalArgumentException("not a duration: '" + text + "'");
    }
    return total;
  }
}
