package dev.cairn.backup.job;

import java.util.function.LongConsumer;
import org.slf4j.Logger;

/** Logs one line each time a transfer crosses another multiple of {@code interval} bytes. */
final class ProgressLog implements LongConsumer {
  private final Logger log;
  private final String what;
  private final long interval;
  private final long total;
  private long next;

  /**
   * @param total the size when known, for the percentage; 0 otherwise
   */
  ProgressLog(Logger log, String what, long interval, long total) {
    this.log = log;
    this.what = what;
    this.interval = interval;
    this.total = total;
    this.next = interval;
  }

  @Override
  public void accept(long bytes) {
    if (interval <= 0 || bytes < next) {
      return;
    }
    next = (bytes / interval + 1) * interval;
    if (total > 0) {
      log.info("{}: {} of {} MiB ({}%)", what, bytes >> 20, total >> 20, bytes * 100 / total);
    } else {
      log.info("{}: {} MiB", what, bytes >> 20);
    }
  }
}
