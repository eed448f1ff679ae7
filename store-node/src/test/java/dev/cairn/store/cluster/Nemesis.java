package dev.cairn.store.cluster;

import dev.cairn.store.testing.StoreCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Faults for a running cluster, chosen from a seed: kill -9 of a member (often the leader) and its
 * restart on the same data, and isolation of a member (often the leader) from its peers and the
 * healing of it. At most a minority is faulty at any time, so the cluster must stay available; what
 * it must never do is lose or reorder an acknowledged write.
 */
final class Nemesis {
  private final StoreCluster cluster;
  private final SplittableRandom random;
  private final List<String> log = new ArrayList<>();
  private final boolean[] killed;
  private final boolean[] isolated;

  Nemesis(StoreCluster cluster, long seed) {
    this.cluster = cluster;
    this.random = new SplittableRandom(seed);
    this.killed = new boolean[cluster.size()];
    this.isolated = new boolean[cluster.size()];
  }

  /** Applies faults and repairs, one every 1 to 3 s, until {@code duration} has passed. */
  void run(Duration duration) throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    long start = System.nanoTime();
    while (System.nanoTime() < end) {
      step(start);
      Thread.sleep(1000 + random.nextInt(2000)); // the pacing of faults, not a wait for a condition
    }
  }

  private int faulty() {
    int n = 0;
    for (int i = 0; i < killed.length; i++) {
      if (killed[i] || isolated[i]) {
        n++;
      }
    }
    return n;
  }

  private void step(long start) {
    int minority = (cluster.size() - 1) / 2;
    List<Integer> healable = new ArrayList<>();
    for (int i = 0; i < killed.length; i++) {
      if (killed[i] || isolated[i]) {
        healable.add(i);
      }
    }
    if (!healable.isEmpty() && (faulty() >= minority || random.nextBoolean())) {
      int i = healable.get(random.nextInt(healable.size()));
      if (killed[i]) {
        record(start, "restart m" + (i + 1));
        cluster.member(i).restart();
        killed[i] = false;
      } else {
        record(start, "heal m" + (i + 1));
        cluster.heal(i);
        isolated[i] = false;
      }
      return;
    }
    // Half of the faults hit the leader, half of them are kills, in a seeded order.
    int kind = random.nextInt(4);
    int target = chooseTarget(kind < 2);
    if (target < 0) {
      return;
    }
    if (kind % 2 == 0) {
      record(start, "kill -9 m" + (target + 1));
      cluster.member(target).kill9();
      killed[target] = true;
    } else {
      record(start, "isolate m" + (target + 1));
      cluster.isolate(target);
      isolated[target] = true;
    }
  }

  /** The leader when asked for and the healthy members agree on one, else anyone healthy. */
  private int chooseTarget(boolean leader) {
    if (leader) {
      int l = cluster.leaderNow();
      if (l >= 0 && !killed[l] && !isolated[l]) {
        return l;
      }
    }
    List<Integer> healthy = new ArrayList<>();
    for (int i = 0; i < killed.length; i++) {
      if (!killed[i] && !isolated[i]) {
        healthy.add(i);
      }
    }
    return healthy.isEmpty() ? -1 : healthy.get(random.nextInt(healthy.size()));
  }

  /** Repairs everything: restarts the killed, heals the isolated. */
  void repairAll() {
    for (int i = 0; i < killed.length; i++) {
      if (isolated[i]) {
        cluster.heal(i);
        isolated[i] = false;
      }
      if (killed[i]) {
        cluster.member(i).restart();
        killed[i] = false;
      }
    }
  }

  private void record(long start, String what) {
    log.add(String.format("%6.1fs %s", (System.nanoTime() - start) / 1e9, what));
  }

  List<String> log() {
    return log;
  }

  int faultsApplied() {
    return (int) log.stream().filter(l -> l.contains("kill") || l.contains("isolate")).count();
  }
}
