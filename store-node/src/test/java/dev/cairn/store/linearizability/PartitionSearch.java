package dev.cairn.store.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Wing and Gong's depth-first search for a linearization, with Lowe's cache of points reached
 * (linearized set, state).
 *
 * <p>At each point the candidates are the operations called before any pending one returned. The
 * search linearizes the first the model accepts, lifts it out of the list of events and goes on;
 * when no candidate leads anywhere, it undoes its last choice and tries the next candidate there.
 *
 * <p>Shortcuts, none of which changes a verdict. Operations that never change the state (reads) are
 * linearized as soon as the model accepts them: any linearization can be rearranged to place them
 * there. Open operations (unknown outcome, never returned) are tried after the others, one per
 * group of equal inputs (they are interchangeable), never where they would change nothing (they may
 * as well never take effect), and not at all once only they remain.
 */
final class PartitionSearch<S, I, O> {
  private static final int STEPS_BETWEEN_CLOCK_READS = 1024;
  private static final int DEAD_END = -1;
  private static final int FAILED = -2;
  private static final int FORCED = -1;

  private final Model<S, I, O> model;
  private final List<Operation<I, O>> ops;
  private final SearchLimits limits;
  private final boolean[] readOnly;
  private final boolean[] open;
  private final EventList events;
  private final OpenOps openOps;
  private final long[] opKeys;
  private final int[] scratch;

  // Linearized operations other than open ones, and the xor of their keys.
  private final long[] linearized;
  private long fingerprint;
  private final int[] chosen;
  // Where each choice stands among the candidates of its point, or FORCED for a read.
  private final int[] ranks;
  private final List<S> before;
  private int depth;
  private S state;
  private final Memo memo = new Memo();
  private boolean outOfMemory;
  private int[] longest = new int[0];
  private S afterLongest;

  /** {@code ops} must be in call order. */
  PartitionSearch(Model<S, I, O> model, List<Operation<I, O>> ops, SearchLimits limits) {
    this.model = model;
    this.ops = ops;
    this.limits = limits;
    int n = ops.size();
    readOnly = new boolean[n];
    open = new boolean[n];
    linearized = new long[(n + 63) >>> 6];
    for (int i = 0; i < n; i++) {
      Operation<I, O> op = ops.get(i);
      readOnly[i] = model.leavesStateUnchanged(op.input(), op.output());
      open[i] = op.outcomeUnknown() && op.returnNanos() == Operation.NEVER;
      if (open[i]) {
        flip(linearized, i); // keeps runs of ones long for Visited
      }
    }
    events = new EventList(ops, open);
    openOps = new OpenOps(ops, open);
    opKeys = randomKeys(n);
    scratch = new int[n + openOps.groups()];
    chosen = new int[n];
    ranks = new int[n];
    before = new ArrayList<>(n);
    state = model.init();
    afterLongest = state;
  }

  SearchResult<S> run() {
    long steps = 0;
    int from = placeReads() ? 0 : DEAD_END;
    while (!events.isEmpty()) {
      if (outOfMemory || (steps++ % STEPS_BETWEEN_CLOCK_READS == 0 && limits.timeIsUp())) {
        return SearchResult.of(Verdict.UNKNOWN);
      }
      if (from == DEAD_END) {
        from = backtrack();
        if (from == FAILED) {
          return new SearchResult<>(Verdict.ILLEGAL, longest, afterLongest);
        }
      }
      int[] candidates = candidates();
      int next = DEAD_END;
      for (int i = from; i < candidates.length; i++) {
        if (place(candidates[i], i)) {
          next = placeReads() ? 0 : DEAD_END;
          break;
        }
      }
      from = next;
    }
    return SearchResult.of(Verdict.OK);
  }

  /**
   * The pending operations that may change the state: in call order those that returned, then those
   * of unknown outcome known to have taken effect by some time, then open ones.
   */
  private int[] candidates() {
    int count = 0;
    int node = events.first();
    for (; EventList.isCall(node); node = events.next(node)) {
      int op = EventList.op(node);
      if (!readOnly[op] && !ops.get(op).outcomeUnknown()) {
        scratch[count++] = op;
      }
    }
    long firstReturn = ops.get(EventList.op(node)).returnNanos();
    for (node = events.first(); EventList.isCall(node); node = events.next(node)) {
      int op = EventList.op(node);
      if (!readOnly[op] && ops.get(op).outcomeUnknown()) {
        scratch[count++] = op;
      }
    }
    for (int group = 0; group < openOps.groups(); group++) {
      int op = openOps.next(group, firstReturn);
      if (op >= 0) {
        scratch[count++] = op;
      }
    }
    return Arrays.copyOf(scratch, count);
  }

  /** Linearizes every pending read the model accepts now; false at a point explored before. */
  private boolean placeReads() {
    int node = events.first();
    while (node != EventList.END && EventList.isCall(node)) {
      int op = EventList.op(node);
      if (readOnly[op]
          && model.step(state, ops.get(op).input(), ops.get(op).output()).isPresent()) {
        if (!place(op, FORCED)) {
          return false;
        }
        node = events.first();
      } else {
        node = events.next(node);
      }
    }
    return true;
  }

  /** Linearizes the operation next, unless the model refuses or that point was explored. */
  private boolean place(int op, int rank) {
    Optional<S> after = model.step(state, ops.get(op).input(), ops.get(op).output());
    if (after.isEmpty() || (open[op] && after.get().equals(state))) {
      return false;
    }
    if (open[op]) {
      openOps.use(op);
    } else {
      flip(linearized, op);
      fingerprint ^= opKeys[op];
    }
    if (!memo.visit(new Visited(linearized, fingerprint, after.get()), openOps.usage())) {
      undo(op);
      return false;
    }
    outOfMemory |= !limits.mayRemember();
    chosen[depth] = op;
    ranks[depth++] = rank;
    before.add(state);
    state = after.get();
    if (!open[op]) {
      events.lift(op);
    }
    return true;
  }

  /**
   * Undoes choices back to the last free one and returns the rank to try next at its point, or
   * {@link #FAILED}. A read placed as soon as accepted is no choice: it is undone with what led
   * there.
   */
  private int backtrack() {
    // The deepest prefix is always reached just before a backtrack.
    if (depth > longest.length) {
      longest = Arrays.copyOf(chosen, depth);
      afterLongest = state;
    }
    while (depth > 0) {
      int op = chosen[--depth];
      state = before.remove(depth);
      undo(op);
      if (!open[op]) {
        events.unlift(op);
      }
      if (ranks[depth] != FORCED) {
        return ranks[depth] + 1;
      }
    }
    return FAILED;
  }

  private void undo(int op) {
    if (open[op]) {
      openOps.unuse(op);
    } else {
      flip(linearized, op);
      fingerprint ^= opKeys[op];
    }
  }

  private static void flip(long[] bits, int i) {
    bits[i >>> 6] ^= 1L << i;
  }

  /** Zobrist keys: the fingerprint of a set is the xor of its members' keys. */
  private static long[] randomKeys(int n) {
    SplittableRandom random = new SplittableRandom(n);
    long[] keys = new long[n];
    Arrays.setAll(keys, i -> random.nextLong());
    return keys;
  }
}
