package dev.cairn.store.linearizability;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The calls and returns of a history in time order, as a doubly linked list over arrays from which
 * an operation's two events can be lifted out and put back in last-in-first-out order (the undo the
 * depth-first search needs). Node 0 is the head; operation {@code i} has call node {@code 2i+1} and
 * return node {@code 2i+2}.
 */
final class EventList {
  static final int END = -1;
  private static final int HEAD = 0;

  private final int[] next;
  private final int[] prev;

  /** The events of the operations not {@code leftOut}. */
  EventList(List<? extends Operation<?, ?>> ops, boolean[] leftOut) {
    int nodes = 2 * ops.size() + 1;
    next = new int[nodes];
    prev = new int[nodes];
    Integer[] order =
        IntStream.range(1, nodes)
            .filter(node -> !leftOut[op(node)])
            .boxed()
            .toArray(Integer[]::new);
    // At equal times calls come first: touching operations count as concurrent.
    Arrays.sort(
        order,
        Comparator.<Integer>comparingLong(node -> time(ops, node))
            .thenComparing(node -> !isCall(node)));
    int last = HEAD;
    for (int node : order) {
      next[last] = node;
      prev[node] = last;
      last = node;
    }
    next[last] = END;
  }

  private static long time(List<? extends Operation<?, ?>> ops, int node) {
    Operation<?, ?> op = ops.get(op(node));
    return isCall(node) ? op.callNanos() : op.returnNanos();
  }

  static boolean isCall(int node) {
    return (node & 1) == 1;
  }

  static int op(int node) {
    return (node - 1) >> 1;
  }

  int first() {
    return next[HEAD];
  }

  int next(int node) {
    return next[node];
  }

  boolean isEmpty() {
    return next[HEAD] == END;
  }

  /** Removes the operation's call and return; undo with {@link #unlift} in reverse order. */
  void lift(int op) {
    unlink(2 * op + 1);
    unlink(2 * op + 2);
  }

  void unlift(int op) {
    relink(2 * op + 2);
    relink(2 * op + 1);
  }

  private void unlink(int node) {
    next[prev[node]] = next[node];
    if (next[node] != END) {
      prev[next[node]] = prev[node];
    }
  }

  private void relink(int node) {
    next[prev[node]] = node;
    if (next[node] != END) {
      prev[next[node]] = node;
    }
  }
}
