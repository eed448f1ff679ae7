package dev.cairn.store.linearizability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The points the search has reached: which operations are linearized and the state they led to.
 *
 * <p>Open operations (unknown outcome, never returned) are kept apart. They are spare moves that
 * may be used or not, so a point that used fewer of them can do all that one that used more can:
 * reaching the latter adds nothing, whether the former has failed or is still being searched (it
 * would then find any linearization the latter could). Lowe's exact test would try every subset.
 */
final class Memo {
  private final Map<Visited, List<long[]>> points = new HashMap<>();

  /**
   * Records a point; false if it adds nothing to those reached before.
   *
   * @param closed the linearized operations apart from open ones, and the state
   * @param openUsage the open operations used, as {@link OpenOps#usage()} gives them
   */
  boolean visit(Visited closed, long[] openUsage) {
    List<long[]> same = points.computeIfAbsent(closed, k -> new ArrayList<>(1));
    for (long[] usage : same) {
      if (usesNoMore(usage, openUsage)) {
        return false;
      }
    }
    same.add(openUsage);
    return true;
  }

  /** Whether {@code a} uses at most as many of each group as {@code b}. */
  private static boolean usesNoMore(long[] a, long[] b) {
    int j = 0;
    for (long x : a) {
      long group = x >>> 32;
      while (j < b.length && b[j] >>> 32 < group) {
        j++;
      }
      if (j == b.length || b[j] >>> 32 != group || (int) b[j] < (int) x) {
        return false;
      }
      j++;
    }
    return true;
  }
}
