package dev.cairn.store.linearizability;

import static dev.cairn.store.linearizability.Verdict.ILLEGAL;
import static dev.cairn.store.linearizability.Verdict.OK;

import org.junit.jupiter.api.Test;

/** Compare-and-swap Txns: put if the key holds a value (or is absent). Times in milliseconds. */
class CasHistoriesTest {

  @Test
  void aSwapSucceedsExactlyWhenTheValueMatches() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .cas(2, "x", "a", "b", true, 20, 30)
        .cas(3, "x", "a", "c", false, 40, 50)
        .get(1, "x", "b", 60, 70)
        .assertVerdict()
        .isEqualTo(OK);
  }

  @Test
  void aSwapReportingSuccessAgainstAnotherValueIsIllegal() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .cas(2, "x", "z", "b", true, 20, 30)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void aSwapReportingFailureWhenTheValueMatchedIsIllegal() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .cas(2, "x", "a", "b", false, 20, 30)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void expectingAbsenceCreatesTheKeyOnce() {
    new Scenario()
        .cas(1, "x", null, "a", true, 0, 10)
        .cas(2, "x", null, "b", false, 20, 30)
        .get(3, "x", "a", 40, 50)
        .assertVerdict()
        .isEqualTo(OK);
  }

  @Test
  void twoOverlappingSwapsFromTheSameValueCannotBothSucceed() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .cas(2, "x", "a", "b", true, 20, 40)
        .cas(3, "x", "a", "c", true, 25, 35)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void ofTwoOverlappingSwapsOnlyTheWinnersValueRemains() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .cas(2, "x", "a", "b", true, 20, 40)
        .cas(3, "x", "a", "c", false, 25, 35)
        .get(1, "x", "b", 50, 60)
        .assertVerdict()
        .isEqualTo(OK);
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .cas(2, "x", "a", "b", true, 20, 40)
        .cas(3, "x", "a", "c", false, 25, 35)
        .get(1, "x", "c", 50, 60)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void aSwapOfUnknownOutcomeThatCouldMatchMayHaveTakenEffect() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .casUnknown(2, "x", "a", "b", 20)
        .get(3, "x", "b", 50, 60)
        .assertVerdict()
        .isEqualTo(OK);
  }

  @Test
  void aSwapOfUnknownOutcomeThatCouldNotMatchNeverTakesEffect() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .casUnknown(2, "x", "z", "b", 20)
        .get(3, "x", "b", 50, 60)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void aSuccessfulSwapProvesAnEarlierWriteOfUnknownOutcome() {
    new Scenario()
        .putUnknown(1, "x", "a", 0)
        .get(2, "x", null, 5, 8)
        .cas(2, "x", "a", "b", true, 10, 20)
        .get(3, "x", "b", 30, 40)
        .assertVerdict()
        .isEqualTo(OK);
  }
}
