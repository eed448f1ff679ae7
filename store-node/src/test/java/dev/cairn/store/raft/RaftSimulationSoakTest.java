package dev.cairn.store.raft;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link RaftSimulationTest} at length: more seeds, longer runs, other seeds. Run with -Pslow. */
@Tag("slow")
class RaftSimulationSoakTest {
  @Test
  void safetyHoldsAfterEveryStepAndTheClusterRecoversInLongRuns() {
    SimulationRunner.runSeeds(1_000_000, 20_000, 25_000);
  }
}
