package dev.cairn.store.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Seeded random histories of a correct store, as recorded and with one read made stale. */
class RandomHistoriesTest {
  private static final KvModel MODEL = new KvModel();

  private static CheckResult check(List<Operation<KvInput, KvOutput>> history) {
    return LinearizabilityChecker.check(MODEL, history, Duration.ofSeconds(30));
  }

  @Test
  void aLargeHistoryOfACorrectStoreIsLinearizableAndCheckedQuickly() {
    List<Operation<KvInput, KvOutput>> history = SimulatedStore.history(42, 16, 16, 8000, 0.02);

    CheckResult result = check(history);

    assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.OK);
    assertThat(result.partitions()).isEqualTo(16);
    assertThat(result.elapsed()).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void theSameHistoryWithOneStaleReadIsIllegal() {
    SimulatedStore.StaleRead corrupted =
        SimulatedStore.withStaleRead(SimulatedStore.history(42, 16, 16, 8000, 0.02));

    CheckResult result = check(corrupted.history());

    assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.ILLEGAL);
    String key = corrupted.stale().input().key();
    assertThat(result.explanation())
        .startsWith("key \"" + key + "\": not linearizable")
        .contains(MODEL.describeOutput(corrupted.stale().output()));
    assertThat(result.elapsed()).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void eightClientsOnOneKeyAreCheckedQuickly() {
    CheckResult result = check(SimulatedStore.history(7, 8, 1, 3000, 0.01));

    assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.OK);
    assertThat(result.elapsed()).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void manyWritesOfUnknownOutcomeAreCheckedQuickly() {
    List<Operation<KvInput, KvOutput>> history = SimulatedStore.history(11, 8, 4, 3000, 0.2);

    CheckResult result = check(history);

    assertThat(history).filteredOn(Operation::outcomeUnknown).hasSizeGreaterThan(300);
    assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.OK);
    assertThat(result.elapsed()).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void aStaleReadAmongWritesOfUnknownOutcomeIsFound() {
    SimulatedStore.StaleRead corrupted =
        SimulatedStore.withStaleRead(SimulatedStore.history(5, 8, 8, 6000, 0.05));

    CheckResult result = check(corrupted.history());

    assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.ILLEGAL);
    assertThat(result.elapsed()).isLessThan(Duration.ofSeconds(2));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
  void smallHistoriesAreLinearizableUntilOneReadGoesStale(long seed) {
    List<Operation<KvInput, KvOutput>> history = SimulatedStore.history(seed, 5, 2, 300, 0.1);

    assertThat(check(history).verdict()).isEqualTo(Verdict.OK);
    assertThat(check(SimulatedStore.withStaleRead(history).history()).verdict())
        .isEqualTo(Verdict.ILLEGAL);
  }

  @Test
  void aSearchOutOfTimeIsUndecided() {
    CheckResult result =
        LinearizabilityChecker.check(
            MODEL, SimulatedStore.history(42, 16, 16, 8000, 0.02), Duration.ZERO);

    assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(result.explanation())
        .startsWith("ran out of time (PT0S) before deciding key \"k0\"");
  }
}
