package dev.cairn.store.linearizability;

import java.time.Duration;

/**
 * What the checker found. The explanation is empty when the history is linearizable; otherwise it
 * says which partitions failed (ILLEGAL) or were left undecided (UNKNOWN), and why.
 */
public record CheckResult(
    Verdict verdict, String explanation, int operations, int partitions, Duration elapsed) {

  public boolean isOk() {
    return verdict == Verdict.OK;
  }

  @Override
  public String toString() {
    String head =
        verdict
            + " ("
            + operations
            + " operations, "
            + partitions
            + " partitions, "
            + elapsed.toMillis()
            + " ms)";
    return explanation.isEmpty() ? head : head + "\n" + explanation;
  }
}
