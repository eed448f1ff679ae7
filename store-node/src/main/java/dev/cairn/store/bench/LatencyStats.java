package dev.cairn.store.bench;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Latencies of successful requests (nanoseconds, in an HdrHistogram with three significant digits,
 * plus the exact count, sum, sum of squares, minimum and maximum) and failed requests by message.
 * Not thread-safe: each client keeps its own, merged at the end.
 */
final class LatencyStats {
  final Histogram histogram = new Histogram(3);
  final Map<String, Long> errors = new TreeMap<>();
  long count;
  double sum;
  double sumOfSquares;
  long min = Long.MAX_VALUE;
  long max = Long.MIN_VALUE;

  void recordLatency(long nanos) {
    long v = Math.max(nanos, 1);
    histogram.recordValue(v);
    count++;
    sum += v;
    sumOfSquares += (double) v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }

  void recordError(String message) {
    errors.merge(message, 1L, Long::sum);
  }

  long errorCount() {
    long n = 0;
    for (long c : errors.values()) {
      n += c;
    }
    return n;
  }

  static LatencyStats merge(Collection<LatencyStats> parts) {
    LatencyStats all = new LatencyStats();
    for (LatencyStats p : parts) {
      all.histogram.add(p.histogram);
      all.count += p.count;
      all.sum += p.sum;
      all.sumOfSquares += p.sumOfSquares;
      all.min = Math.min(all.min, p.min);
      all.max = Math.max(all.max, p.max);
      p.errors.forEach((m, c) -> all.errors.merge(m, c, Long::sum));
    }
    return all;
  }
}
