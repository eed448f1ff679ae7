package dev.cairn.store.raft;

import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;

/**
 * Runs seeded chaos simulations and turns a failure into a report that names the seed.
 *
 * <p>System properties: {@code raft.seed} runs that one seed only (reproducing a failure exactly);
 * {@code raft.seeds} and {@code raft.firstSeed} choose the range; {@code raft.steps} the length of
 * a run; {@code raft.trace=true} prints every step (use it with a single seed).
 */
final class SimulationRunner {
  private SimulationRunner() {}

  /** Rounds of ticks the cluster gets to recover once faults stop. */
  static final int LIVENESS_ROUNDS = 1_000;

  /**
   * Runs one seed: random steps with invariants checked after each, then the liveness check.
   *
   * @throws AssertionError naming the seed and how to re-run it
   */
  static ChaosSchedule run(long seed, int steps) {
    ChaosSchedule chaos = new ChaosSchedule(seed);
    try {
      chaos.run(steps);
      chaos.checkLiveness(LIVENESS_ROUNDS);
      return chaos;
    } catch (RuntimeException | AssertionError e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      if (!message.contains("seed=")) {
        message = e + " (" + chaos.cluster().where() + ")";
      }
      AssertionError failure =
          new AssertionError(
              message
                  + "\nRe-run this seed alone with -Draft.seed="
                  + seed
                  + " -Draft.steps="
                  + steps
                  + " (and -Draft.trace=true to print every step)\n"
                  + chaos.cluster().recentEvents(),
              e);
      throw failure;
    }
  }

  /**
   * Runs the seeds {@code first, first + 1, ...} (or only {@code raft.seed} when set) in parallel,
   * and fails with the lowest failing seed.
   */
  static void runSeeds(long first, int count, int steps) {
    Long only = Long.getLong("raft.seed");
    if (only != null) {
      ChaosSchedule chaos = run(only, Integer.getInteger("raft.steps", steps));
      System.out.println("seed=" + only + " passed: " + chaos.stats());
      return;
    }
    long from = Long.getLong("raft.firstSeed", first);
    int n = Integer.getInteger("raft.seeds", count);
    int length = Integer.getInteger("raft.steps", steps);
    List<Outcome> outcomes =
        LongStream.range(from, from + n)
            .parallel()
            .mapToObj(seed -> outcome(seed, length))
            .toList();
    Optional<Outcome> failure = outcomes.stream().filter(o -> o.error() != null).findFirst();
    if (failure.isPresent()) {
      Outcome f = failure.get();
      System.out.println("seed=" + f.seed() + " failed");
      throw new AssertionError("seed=" + f.seed() + ": " + f.error().getMessage(), f.error());
    }
    ChaosSchedule.Stats total =
        outcomes.stream()
            .map(Outcome::stats)
            .reduce(ChaosSchedule.Stats.NONE, ChaosSchedule.Stats::plus);
    System.out.println(
        "seeds " + from + " to " + (from + n - 1) + " passed, " + length + " steps each; " + total);
  }

  /** How one seed went: its stats, or the error it failed with. */
  private record Outcome(long seed, ChaosSchedule.Stats stats, AssertionError error) {}

  private static Outcome outcome(long seed, int steps) {
    try {
      return new Outcome(seed, run(seed, steps).stats(), null);
    } catch (AssertionError e) {
      return new Outcome(seed, null, e);
    }
  }
}
