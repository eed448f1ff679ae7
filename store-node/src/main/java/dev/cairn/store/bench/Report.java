package dev.cairn.store.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The summary etcd's benchmark prints (pkg/report in etcd), with latencies in milliseconds, and a
 * last line for scripts: {@code RESULT requests_per_sec=... p50_ms=... p99_ms=... errors=...}.
 */
final class Report {
  static final double[] PERCENTILES = {10, 25, 50, 75, 90, 95, 99, 99.9};
  private static final int BUCKETS = 10;
  private static final int BAR_WIDTH = 40;

  private final LatencyStats stats;
  private final long elapsedNanos;

  private Report(LatencyStats stats, long elapsedNanos) {
    this.stats = stats;
    this.elapsedNanos = elapsedNanos;
  }

  static Report of(LatencyStats stats, long elapsedNanos) {
    return new Report(stats, elapsedNanos);
  }

  long successes() {
    return stats.count;
  }

  long errors() {
    return stats.errorCount();
  }

  /** 1 when requests were sent and none succeeded, else 0. */
  int exitCode() {
    return stats.count == 0 && errors() > 0 ? 1 : 0;
  }

  double requestsPerSecond() {
    return elapsedNanos <= 0 ? 0 : stats.count / (elapsedNanos / 1e9);
  }

  double averageMillis() {
    return stats.count == 0 ? 0 : stats.sum / stats.count / 1e6;
  }

  double stddevMillis() {
    if (stats.count == 0) {
      return 0;
    }
    double mean = stats.sum / stats.count;
    double variance = Math.max(0, stats.sumOfSquares / stats.count - mean * mean);
    return Math.sqrt(variance) / 1e6;
  }

  /** The latency at percentile {@code p} in milliseconds, 0 when nothing succeeded. */
  double percentileMillis(double p) {
    if (stats.count == 0) {
      return 0;
    }
    long v = stats.histogram.getValueAtPercentile(p);
    // The histogram reports the top of a bucket; never beyond what was seen.
    return Math.min(Math.max(v, stats.min), stats.max) / 1e6;
  }

  void print(PrintStream out) {
    print(out, true);
  }

  /** Prints the summary, and the RESULT line when {@code withResult}. */
  void print(PrintStream out, boolean withResult) {
    StringBuilder s = new StringBuilder();
    if (stats.count > 0) {
      s.append("\nSummary:\n");
      s.append(fmt("  Total:\t%.4f secs.\n", elapsedNanos / 1e9));
      s.append(fmt("  Slowest:\t%.4f ms.\n", stats.max / 1e6));
      s.append(fmt("  Fastest:\t%.4f ms.\n", stats.min / 1e6));
      s.append(fmt("  Average:\t%.4f ms.\n", averageMillis()));
      s.append(fmt("  Stddev:\t%.4f ms.\n", stddevMillis()));
      s.append(fmt("  Requests/sec:\t%.4f\n", requestsPerSecond()));
      histogram(s, out);
      s.append("\nLatency distribution:\n");
      for (double p : PERCENTILES) {
        s.append(fmt("  %s%% in %.4f ms.\n", percentLabel(p), percentileMillis(p)));
      }
    } else {
      s.append(fmt("\nNo request succeeded (%.4f secs).\n", elapsedNanos / 1e9));
    }
    if (!stats.errors.isEmpty()) {
      s.append("\nError distribution:\n");
      for (Map.Entry<String, Long> e : stats.errors.entrySet()) {
        s.append(fmt("  [%d]\t%s\n", e.getValue(), e.getKey()));
      }
    }
    if (withResult) {
      s.append('\n').append(resultLine()).append('\n');
    }
    out.print(s);
    out.flush();
  }

  String resultLine() {
    return fmt(
        "RESULT requests_per_sec=%.2f p50_ms=%.3f p99_ms=%.3f errors=%d",
        requestsPerSecond(), percentileMillis(50), percentileMillis(99), errors());
  }

  /** etcd's response time histogram: ten equal buckets from the fastest to the slowest. */
  private void histogram(StringBuilder s, PrintStream out) {
    double lo = stats.min;
    double width = (stats.max - stats.min) / (double) BUCKETS;
    double[] edges = new double[BUCKETS + 1];
    for (int i = 0; i < BUCKETS; i++) {
      edges[i] = lo + width * i;
    }
    edges[BUCKETS] = stats.max;
    long[] counts = new long[BUCKETS + 1];
    for (HistogramIterationValue v : stats.histogram.recordedValues()) {
      // The bottom of the histogram's bucket, but never below the fastest: the fastest request
      // lands in the first row, as in etcd's histogram.
      double value =
          Math.max(stats.histogram.lowestEquivalentValue(v.getValueIteratedTo()), stats.min);
      int b = 0;
      while (b < BUCKETS && value > edges[b]) {
        b++;
      }
      counts[b] += v.getCountAtValueIteratedTo();
    }
    String mark = out.charset().newEncoder().canEncode('∎') ? "∎" : "*";
    long most = 0;
    for (long c : counts) {
      most = Math.max(most, c);
    }
    s.append("\nResponse time histogram:\n");
    for (int i = 0; i <= BUCKETS; i++) {
      int bar = most == 0 ? 0 : (int) (counts[i] * BAR_WIDTH / most);
      s.append(fmt("  %.4f [%d]\t|%s\n", edges[i] / 1e6, counts[i], mark.repeat(bar)));
    }
  }

  private static String percentLabel(double p) {
    return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
