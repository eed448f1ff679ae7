package dev.cairn.store.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The open operations of a partition (unknown outcome, never returned), grouped by input. Those of
 * a group are interchangeable, so the search uses the members of each group in call order, and all
 * that matters of what it used is how many of each group.
 */
final class OpenOps {
  private final int[][] members;
  private final int[] groupOf;
  private final int[] used;
  private final List<? extends Operation<?, ?>> ops;

  OpenOps(List<? extends Operation<?, ?>> ops, boolean[] open) {
    this.ops = ops;
    Map<Object, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < ops.size(); i++) {
      if (open[i]) {
        groups.computeIfAbsent(ops.get(i).input(), k -> new ArrayList<>()).add(i);
      }
    }
    members =
        groups.values().stream()
            .map(g -> g.stream().mapToInt(i -> i).toArray())
            .toArray(int[][]::new);
    groupOf = new int[ops.size()];
    Arrays.fill(groupOf, -1);
    for (int g = 0; g < members.length; g++) {
      for (int op : members[g]) {
        groupOf[op] = g;
      }
    }
    used = new int[members.length];
  }

  int groups() {
    return members.length;
  }

  /** The group's next unused operation if it was called by {@code nanos}, else -1. */
  int next(int group, long nanos) {
    if (used[group] == members[group].length) {
      return -1;
    }
    int op = members[group][used[group]];
    return ops.get(op).callNanos() <= nanos ? op : -1;
  }

  void use(int op) {
    used[groupOf[op]]++;
  }

  void unuse(int op) {
    used[groupOf[op]]--;
  }

  /** How many of each group are used, as (group << 32 | count) for groups with some, by group. */
  long[] usage() {
    int count = 0;
    for (int u : used) {
      count += u > 0 ? 1 : 0;
    }
    long[] usage = new long[count];
    for (int g = 0, i = 0; g < used.length; g++) {
      if (used[g] > 0) {
        usage[i++] = (long) g << 32 | used[g];
      }
    }
    return usage;
  }
}
