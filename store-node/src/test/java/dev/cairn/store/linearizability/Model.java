package dev.cairn.store.linearizability;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sequential specification a history is checked against. States are compared with {@code
 * equals} and {@code hashCode} (the checker remembers the states it has explored), so they must be
 * immutable values. Partitions are searched in parallel, so a model must be safe to share.
 */
public interface Model<S, I, O> {
  S init();

  /**
   * The state after {@code input} ran in {@code state} and answered {@code output}, or empty if the
   * specification could not have answered that. A null {@code output} means the outcome is unknown:
   * accept, in any state, whatever the operation would have answered.
   */
  Optional<S> step(S state, I input, O output);

  /**
   * Whether the operation leaves every state that accepts it unchanged, as a read does. The search
   * then linearizes it as soon as it can, which spares much backtracking; a wrong true makes it
   * miss linearizations.
   */
  default boolean leavesStateUnchanged(I input, O output) {
    return false;
  }

  /**
   * Sub-histories that touch disjoint parts of the state, by label: a history is linearizable
   * exactly when each of them is, and small ones are far cheaper to search.
   */
  default Map<String, List<Operation<I, O>>> partition(List<Operation<I, O>> history) {
    return Map.of("history", history);
  }

  default String describeInput(I input) {
    return String.valueOf(input);
  }

  default String describeOutput(O output) {
    return String.valueOf(output);
  }

  default String describeState(S state) {
    return String.valueOf(state);
  }
}
