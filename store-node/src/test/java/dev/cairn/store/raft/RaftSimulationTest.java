package dev.cairn.store.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Thousands of seeded random runs with message loss, duplication, reordering, partitions, crashes
 * and restarts; the Raft safety properties are checked after every step (see {@link
 * RaftInvariants}) and every run must recover once the faults stop. A failure prints {@code
 * seed=N}; {@code -Draft.seed=N} re-runs exactly that run.
 */
class RaftSimulationTest {
  @Test
  void safetyHoldsAfterEveryStepAndTheClusterRecovers() {
    SimulationRunner.runSeeds(0, 5_000, 12_000);
  }

  @Test
  void aSeedReplaysExactly() {
    long first = SimulationRunner.run(42, 3_000).cluster().history();
    long again = SimulationRunner.run(42, 3_000).cluster().history();
    long other = SimulationRunner.run(43, 3_000).cluster().history();
    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }
}
