package dev.cairn.store.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Says where the search for a linearization of one partition got stuck: the end of the longest
 * linearizable prefix it found, the state there, and the operations that would have to come next
 * but cannot.
 */
final class Counterexample<S, I, O> {
  private static final int PREFIX_SHOWN = 6;
  private static final int PENDING_SHOWN = 12;

  private final Model<S, I, O> model;
  private final List<Operation<I, O>> ops;
  private final long originNanos;

  Counterexample(Model<S, I, O> model, List<Operation<I, O>> ops, long originNanos) {
    this.model = model;
    this.ops = ops;
    this.originNanos = originNanos;
  }

  String describe(String label, int[] prefix, S state) {
    StringBuilder out = new StringBuilder();
    out.append(label).append(": not linearizable (").append(ops.size()).append(" operations)\n");
    out.append("  longest linearizable prefix found: ").append(prefix.length).append(" operations");
    if (prefix.length > PREFIX_SHOWN) {
      out.append(", the last ").append(PREFIX_SHOWN).append(" of them");
    }
    out.append(prefix.length == 0 ? "\n" : ":\n");
    for (int i = Math.max(0, prefix.length - PREFIX_SHOWN); i < prefix.length; i++) {
      out.append("    ").append(format(ops.get(prefix[i]))).append('\n');
    }
    out.append("  state after it: ").append(model.describeState(state)).append('\n');

    List<Operation<I, O>> pending = pending(prefix);
    List<Operation<I, O>> returning = pending.stream().filter(op -> !isOpen(op)).toList();
    long firstReturn =
        returning.stream().mapToLong(Operation::returnNanos).min().orElse(Operation.NEVER);
    out.append("  operations pending when the first of them returned (")
        .append(time(firstReturn))
        .append("), none of which can come next:\n");
    for (Operation<I, O> op : returning.subList(0, Math.min(returning.size(), PENDING_SHOWN))) {
      // Normally the model refuses them all; an accepted one only led to points tried before.
      boolean accepted = model.step(state, op.input(), op.output()).isPresent();
      out.append("    ")
          .append(format(op))
          .append(accepted ? "   (possible, but leads nowhere)" : "")
          .append('\n');
    }
    if (returning.size() > PENDING_SHOWN) {
      out.append("    ... and ").append(returning.size() - PENDING_SHOWN).append(" more\n");
    }
    long open = pending.size() - returning.size();
    if (open > 0) {
      out.append("  and none of the ")
          .append(open)
          .append(" operations of unknown outcome called by then helps\n");
    }
    return out.toString();
  }

  private static boolean isOpen(Operation<?, ?> op) {
    return op.outcomeUnknown() && op.returnNanos() == Operation.NEVER;
  }

  /** The operations outside the prefix called before any of those that returned did. */
  private List<Operation<I, O>> pending(int[] prefix) {
    boolean[] placed = new boolean[ops.size()];
    for (int i : prefix) {
      placed[i] = true;
    }
    long firstReturn = Operation.NEVER;
    for (int i = 0; i < ops.size(); i++) {
      if (!placed[i]) {
        firstReturn = Math.min(firstReturn, ops.get(i).returnNanos());
      }
    }
    List<Operation<I, O>> pending = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      if (!placed[i] && ops.get(i).callNanos() <= firstReturn) {
        pending.add(ops.get(i));
      }
    }
    pending.sort(Comparator.comparingLong(Operation::callNanos));
    return pending;
  }

  private String format(Operation<I, O> op) {
    return "c"
        + op.client()
        + " ["
        + time(op.callNanos())
        + ", "
        + (op.outcomeUnknown() && op.returnNanos() != Operation.NEVER ? "in effect by " : "")
        + time(op.returnNanos())
        + "] "
        + model.describeInput(op.input())
        + " -> "
        + (op.outcomeUnknown() ? "unknown" : model.describeOutput(op.output()));
  }

  private String time(long nanos) {
    if (nanos == Operation.NEVER) {
      return "never returned";
    }
    return String.format(Locale.ROOT, "+%.3fms", (nanos - originNanos) / 1e6);
  }
}
