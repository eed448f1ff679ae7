package dev.cairn.store.linearizability;

import java.time.Duration;
import java.util.List;

/** Test assertions on recorded histories. */
public final class LinearizabilityAssertions {
  private LinearizabilityAssertions() {}

  /** Checks a recorded KV history; see {@link #assertLinearizable(Model, List, Duration)}. */
  public static CheckResult assertLinearizable(History<KvInput, KvOutput> history) {
    return assertLinearizable(
        new KvModel(), history.operations(), LinearizabilityChecker.DEFAULT_BUDGET);
  }

  /**
   * Fails with the checker's explanation unless the history is linearizable. A search that runs out
   * of budget fails too: it proves nothing either way.
   */
  public static <S, I, O> CheckResult assertLinearizable(
      Model<S, I, O> model, List<Operation<I, O>> history, Duration budget) {
    CheckResult result = LinearizabilityChecker.check(model, history, budget);
    switch (result.verdict()) {
      case OK -> {}
      case ILLEGAL ->
          throw new AssertionError(
              "history of "
                  + history.size()
                  + " operations is not linearizable:\n"
                  + result.explanation());
      case UNKNOWN ->
          throw new AssertionError(
              "could not decide whether the history of "
                  + history.size()
                  + " operations is linearizable: "
                  + result.explanation());
    }
    return result;
  }
}
