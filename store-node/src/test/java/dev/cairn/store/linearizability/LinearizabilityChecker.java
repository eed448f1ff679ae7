package dev.cairn.store.linearizability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a concurrent history is linearizable against a {@link Model}, partition by
 * partition (in parallel), within a time budget.
 */
public final class LinearizabilityChecker {
  public static final Duration DEFAULT_BUDGET = Duration.ofMinutes(1);
  // Some 100 bytes each: half a gigabyte at worst.
  private static final long MAX_REMEMBERED = 5_000_000;

  private LinearizabilityChecker() {}

  public static <S, I, O> CheckResult check(Model<S, I, O> model, List<Operation<I, O>> history) {
    return check(model, history, DEFAULT_BUDGET);
  }

  public static <S, I, O> CheckResult check(
      Model<S, I, O> model, List<Operation<I, O>> history, Duration budget) {
    long start = System.nanoTime();
    SearchLimits limits = new SearchLimits(budget, MAX_REMEMBERED);
    long origin = history.stream().mapToLong(Operation::callNanos).min().orElse(0);
    List<Map.Entry<String, List<Operation<I, O>>>> parts = new ArrayList<>();
    model.partition(history).forEach((label, ops) -> parts.add(Map.entry(label, byCall(ops))));
    List<SearchResult<S>> results =
        parts.parallelStream()
            .map(part -> new PartitionSearch<>(model, part.getValue(), limits).run())
            .toList();

    StringBuilder illegal = new StringBuilder();
    List<String> undecided = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      String label = parts.get(i).getKey();
      List<Operation<I, O>> ops = parts.get(i).getValue();
      SearchResult<S> result = results.get(i);
      switch (result.verdict()) {
        case ILLEGAL ->
            illegal.append(
                new Counterexample<>(model, ops, origin)
                    .describe(label, result.longestPrefix(), result.stateAfterPrefix()));
        case UNKNOWN -> undecided.add(label + " (" + ops.size() + " operations)");
        case OK -> {}
      }
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    if (!illegal.isEmpty()) {
      return new CheckResult(
          Verdict.ILLEGAL, illegal.toString(), history.size(), parts.size(), elapsed);
    }
    if (!undecided.isEmpty()) {
      String why = limits.exhausted() + " before deciding " + String.join(", ", undecided);
      return new CheckResult(Verdict.UNKNOWN, why, history.size(), parts.size(), elapsed);
    }
    return new CheckResult(Verdict.OK, "", history.size(), parts.size(), elapsed);
  }

  private static <I, O> List<Operation<I, O>> byCall(List<Operation<I, O>> ops) {
    return ops.stream().sorted(Comparator.comparingLong(Operation::callNanos)).toList();
  }
}
