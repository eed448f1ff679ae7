package dev.cairn.store.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * On small random histories, good and bad, the checker must agree with trying every order: its
 * shortcuts (reads placed early, interchangeable and unread unknown writes, pinned ones) may save
 * work but never change a verdict.
 */
class BruteForceAgreementTest {
  private static final KvModel MODEL = new KvModel();

  @Test
  void agreesWithExhaustiveSearchOnSmallHistories() {
    SplittableRandom random = new SplittableRandom(2024);
    int illegal = 0;
    for (int i = 0; i < 4000; i++) {
      List<Operation<KvInput, KvOutput>> history = randomHistory(random, i % 2 == 0);
      boolean expected = linearizable(history, new boolean[history.size()], KeyState.ABSENT);
      Verdict verdict = LinearizabilityChecker.check(MODEL, history).verdict();
      assertThat(verdict)
          .as("history %s", history)
          .isEqualTo(expected ? Verdict.OK : Verdict.ILLEGAL);
      illegal += expected ? 0 : 1;
    }
    assertThat(illegal).as("illegal histories").isBetween(1000, 3000);
  }

  /** Up to 7 operations on one key, on a coarse clock so that many overlap or touch. */
  private static List<Operation<KvInput, KvOutput>> randomHistory(
      SplittableRandom random, boolean uniqueValues) {
    List<Operation<KvInput, KvOutput>> ops = new ArrayList<>();
    int size = 1 + random.nextInt(7);
    for (int i = 0; i < size; i++) {
      long call = random.nextInt(10);
      long ret = call + random.nextInt(6);
      String fresh = uniqueValues ? "v" + i : value(random);
      KvInput input =
          switch (random.nextInt(4)) {
            case 0 -> new KvInput.Put("k", fresh);
            case 1 -> new KvInput.Get("k");
            case 2 -> new KvInput.Delete("k");
            default ->
                new KvInput.Cas(
                    "k",
                    maybe(random, uniqueValues ? "v" + random.nextInt(size) : value(random)),
                    fresh);
          };
      if (input.isWrite() && random.nextInt(3) == 0) {
        ops.add(Operation.unknown(1 + i % 3, input, call));
        continue;
      }
      KvOutput output =
          switch (input) {
            case KvInput.Put put -> KvOutput.written();
            case KvInput.Get get ->
                KvOutput.read(
                    maybe(random, uniqueValues ? "v" + random.nextInt(size) : value(random)));
            case KvInput.Delete delete -> KvOutput.deleted(random.nextInt(2));
            case KvInput.Cas cas -> KvOutput.swapped(random.nextBoolean());
          };
      ops.add(Operation.completed(1 + i % 3, input, output, call, ret));
    }
    return ops;
  }

  private static String value(SplittableRandom random) {
    return List.of("a", "b", "c").get(random.nextInt(3));
  }

  private static String maybe(SplittableRandom random, String value) {
    return random.nextInt(4) == 0 ? null : value;
  }

  /**
   * Tries every next operation that no remaining one must precede; unknown operations that never
   * returned may also be left out.
   */
  private static boolean linearizable(
      List<Operation<KvInput, KvOutput>> ops, boolean[] done, KeyState state) {
    long firstReturn = Long.MAX_VALUE;
    boolean onlyUnknownLeft = true;
    for (int i = 0; i < ops.size(); i++) {
      if (!done[i]) {
        firstReturn = Math.min(firstReturn, ops.get(i).returnNanos());
        onlyUnknownLeft &= ops.get(i).outcomeUnknown();
      }
    }
    if (onlyUnknownLeft) {
      return true;
    }
    for (int i = 0; i < ops.size(); i++) {
      Operation<KvInput, KvOutput> op = ops.get(i);
      if (done[i] || op.callNanos() > firstReturn) {
        continue;
      }
      var after = MODEL.step(state, op.input(), op.output());
      if (after.isPresent()) {
        done[i] = true;
        boolean found = linearizable(ops, done, after.get());
        done[i] = false;
        if (found) {
          return true;
        }
      }
    }
    return false;
  }
}
