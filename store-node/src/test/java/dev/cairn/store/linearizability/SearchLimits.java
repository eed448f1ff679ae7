package dev.cairn.store.linearizability;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the searches of one check may spend, together: time, and points remembered as explored
 * (memory: a hard history can fill any heap long before the time is up).
 */
final class SearchLimits {
  private static final Duration LONGEST = Duration.ofDays(365);

  private final Duration budget;
  private final long deadlineNanos;
  private final long maxRemembered;
  private final AtomicLong remembered = new AtomicLong();

  SearchLimits(Duration budget, long maxRemembered) {
    this.budget = budget;
    this.deadlineNanos =
        System.nanoTime() + (budget.compareTo(LONGEST) < 0 ? budget : LONGEST).toNanos();
    this.maxRemembered = maxRemembered;
  }

  boolean timeIsUp() {
    return System.nanoTime() - deadlineNanos >= 0;
  }

  /** Counts one more remembered point; false once there are too many. */
  boolean mayRemember() {
    return remembered.incrementAndGet() <= maxRemembered;
  }

  String exhausted() {
    return remembered.get() > maxRemembered
        ? "explored the most points the search may remember (" + maxRemembered + ")"
        : "ran out of time (" + budget + ")";
  }
}
