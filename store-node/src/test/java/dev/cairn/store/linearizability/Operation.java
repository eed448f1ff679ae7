package dev.cairn.store.linearizability;

import java.util.Objects;

/**
 * One operation of a history: who called it, what it asked, what it answered and when, in
 * nanoseconds of one monotonic clock.
 *
 * <p>A null output means the outcome is unknown (a timeout, a lost connection, a leader change):
 * the operation may have taken effect at any moment after its call, or never. Such an operation
 * usually returns at {@link #NEVER}; a finite return only says that if it took effect, it did so by
 * then.
 */
public record Operation<I, O>(int client, I input, O output, long callNanos, long returnNanos) {
  public static final long NEVER = Long.MAX_VALUE;

  public Operation {
    Objects.requireNonNull(input, "input");
    if (returnNanos < callNanos) {
      throw new IllegalArgumentException(
          "returns before its call: " + callNanos + " > " + returnNanos);
    }
  }

  public static <I, O> Operation<I, O> completed(
      int client, I input, O output, long callNanos, long returnNanos) {
    return new Operation<>(
        client, input, Objects.requireNonNull(output, "output"), callNanos, returnNanos);
  }

  public static <I, O> Operation<I, O> unknown(int client, I input, long callNanos) {
    return new Operation<>(client, input, null, callNanos, NEVER);
  }

  public boolean outcomeUnknown() {
    return output == null;
  }

  /** The same operation, known to have taken effect (if at all) by {@code returnNanos}. */
  public Operation<I, O> returnedBy(long returnNanos) {
    return new Operation<>(client, input, output, callNanos, returnNanos);
  }
}
