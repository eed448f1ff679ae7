package dev.cairn.store.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a failed check tells the reader. Times are in milliseconds. */
class ExplanationTest {

  @Test
  void aStaleReadIsShownAfterThePrefixThatMakesItImpossible() {
    CheckResult result =
        new Scenario()
            .put(1, "x", "a", 0, 10)
            .put(2, "x", "b", 20, 30)
            .get(3, "x", "a", 40, 50)
            .check();

    assertThat(result.explanation())
        .isEqualTo(
            """
            key "x": not linearizable (3 operations)
              longest linearizable prefix found: 2 operations:
                c1 [+0.000ms, +10.000ms] put(x, "a") -> ok
                c2 [+20.000ms, +30.000ms] put(x, "b") -> ok
              state after it: "b"
              operations pending when the first of them returned (+50.000ms), none of which can come next:
                c3 [+40.000ms, +50.000ms] get(x) -> "a"
            """);
  }

  @Test
  void writesOfUnknownOutcomeAreSetApart() {
    CheckResult result =
        new Scenario()
            .put(1, "x", "a", 0, 10)
            .casUnknown(2, "x", "b", "d", 5)
            .get(3, "x", "c", 20, 30)
            .check();

    assertThat(result.explanation())
        .isEqualTo(
            """
            key "x": not linearizable (3 operations)
              longest linearizable prefix found: 1 operations:
                c1 [+0.000ms, +10.000ms] put(x, "a") -> ok
              state after it: "a"
              operations pending when the first of them returned (+30.000ms), none of which can come next:
                c3 [+20.000ms, +30.000ms] get(x) -> "c"
              and none of the 1 operations of unknown outcome called by then helps
            """);
  }

  @Test
  void aWriteOfUnknownOutcomeThatWasReadTookEffectByTheRead() {
    CheckResult result =
        new Scenario()
            .putUnknown(1, "x", "a", 0)
            .get(2, "x", "a", 10, 20)
            .get(2, "x", "z", 30, 40)
            .check();

    assertThat(result.explanation())
        .contains("    c1 [+0.000ms, in effect by +20.000ms] put(x, \"a\") -> unknown\n");
  }

  @Test
  void onlyTheFailingKeyIsReported() {
    CheckResult result =
        new Scenario()
            .put(1, "x", "a", 0, 10)
            .put(1, "y", "b", 20, 30)
            .get(2, "x", "a", 40, 50)
            .get(2, "y", null, 60, 70)
            .check();

    assertThat(result.verdict()).isEqualTo(Verdict.ILLEGAL);
    assertThat(result.explanation()).startsWith("key \"y\"").doesNotContain("key \"x\"");
  }

  @Test
  void aLongPrefixIsCutToItsEnd() {
    Scenario history = new Scenario();
    for (int i = 0; i < 20; i++) {
      history.put(1, "x", "v" + i, 10 * i, 10 * i + 5);
    }
    CheckResult result = history.get(2, "x", "v3", 300, 310).check();

    assertThat(result.explanation())
        .contains("longest linearizable prefix found: 20 operations, the last 6 of them:")
        .contains("put(x, \"v19\")")
        .doesNotContain("put(x, \"v13\")");
  }
}
