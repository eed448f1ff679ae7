package dev.cairn.store.linearizability;

import static dev.cairn.store.linearizability.Verdict.ILLEGAL;
import static dev.cairn.store.linearizability.Verdict.OK;

import org.junit.jupiter.api.Test;

/** Puts, gets and deletes on a key, as clients would see them. Times are in milliseconds. */
class RegisterHistoriesTest {

  @Test
  void sequentialWritesAndReadsAreLinearizable() {
    new Scenario()
        .get(2, "x", null, 0, 5)
        .put(1, "x", "a", 10, 20)
        .get(2, "x", "a", 30, 40)
        .put(1, "x", "b", 50, 60)
        .get(2, "x", "b", 70, 80)
        .delete(1, "x", 1, 90, 100)
        .get(2, "x", null, 110, 120)
        .assertVerdict()
        .isEqualTo(OK);
  }

  @Test
  void readingAValueBeforeItsWriteWasCalledIsIllegal() {
    new Scenario()
        .get(2, "x", "a", 0, 10)
        .put(1, "x", "a", 20, 30)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void overlappingWritesMayTakeEffectInEitherOrder() {
    new Scenario()
        .put(1, "x", "a", 0, 50)
        .put(2, "x", "b", 10, 40)
        .get(3, "x", "a", 60, 70)
        .assertVerdict()
        .isEqualTo(OK);
    new Scenario()
        .put(1, "x", "a", 0, 50)
        .put(2, "x", "b", 10, 40)
        .get(3, "x", "b", 60, 70)
        .assertVerdict()
        .isEqualTo(OK);
  }

  @Test
  void readersMustAgreeOnTheOrderOfOverlappingWrites() {
    new Scenario()
        .put(1, "x", "a", 0, 50)
        .put(2, "x", "b", 10, 40)
        .get(3, "x", "a", 60, 70)
        .get(4, "x", "b", 80, 90)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void aReadOverlappingAWriteMaySeeEitherValueButNotGoBack() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .put(2, "x", "b", 20, 60)
        .get(3, "x", "a", 25, 35)
        .get(4, "x", "b", 30, 40)
        .get(3, "x", "b", 45, 50)
        .assertVerdict()
        .isEqualTo(OK);
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .put(2, "x", "b", 20, 60)
        .get(3, "x", "b", 25, 35)
        .get(4, "x", "a", 40, 50)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void aStaleReadAfterAnAcknowledgedWriteIsIllegal() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .put(2, "x", "b", 20, 30)
        .get(3, "x", "a", 40, 50)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void aLostAcknowledgedWriteIsIllegal() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .get(2, "x", null, 20, 30)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void readingAValueNobodyWroteIsIllegal() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .get(2, "x", "z", 20, 30)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void aWriteOfUnknownOutcomeMayBeObservedLongAfterItsCall() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .putUnknown(2, "x", "b", 20)
        .get(3, "x", "a", 30, 40)
        .get(3, "x", "b", 100, 110)
        .assertVerdict()
        .isEqualTo(OK);
  }

  @Test
  void aWriteOfUnknownOutcomeMayNeverTakeEffect() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .putUnknown(2, "x", "b", 20)
        .get(3, "x", "a", 100, 110)
        .assertVerdict()
        .isEqualTo(OK);
  }

  @Test
  void aWriteOfUnknownOutcomeCannotTakeEffectBeforeItsCall() {
    new Scenario()
        .get(1, "x", "b", 0, 10)
        .putUnknown(2, "x", "b", 20)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void aWriteOfUnknownOutcomeOnceObservedStays() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .putUnknown(2, "x", "b", 15)
        .get(3, "x", "b", 20, 30)
        .get(3, "x", "a", 40, 50)
        .assertVerdict()
        .isEqualTo(ILLEGAL);
  }

  @Test
  void deleteReportsWhetherTheKeyExisted() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .delete(2, "x", 1, 20, 30)
        .delete(2, "x", 0, 40, 50)
        .get(3, "x", null, 60, 70)
        .assertVerdict()
        .isEqualTo(OK);
    new Scenario().delete(1, "x", 1, 0, 10).assertVerdict().isEqualTo(ILLEGAL);
  }

  @Test
  void aDeleteOfUnknownOutcomeMayExplainAMissingKey() {
    new Scenario()
        .put(1, "x", "a", 0, 10)
        .deleteUnknown(2, "x", 20)
        .get(3, "x", "a", 30, 40)
        .get(3, "x", null, 50, 60)
        .assertVerdict()
        .isEqualTo(OK);
  }

  @Test
  void keysAreCheckedIndependently() {
    new Scenario()
        .put(1, "x", "a", 0, 100)
        .put(2, "y", "b", 10, 20)
        .get(3, "y", "b", 30, 40)
        .get(3, "x", null, 50, 60)
        .get(3, "x", "a", 110, 120)
        .assertVerdict()
        .isEqualTo(OK);
  }
}
