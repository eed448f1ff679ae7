package dev.cairn.store.linearizability;

import java.util.Arrays;

/**
 * The linearized operations of a point of the search (apart from open ones) and the state they led
 * to, compared by value.
 *
 * <p>Operations are numbered in call order, so a linearized set is mostly a run of ones then of
 * zeros; only the words in between are kept.
 */
final class Visited {
  private final int fullWords;
  private final long[] middle;
  private final Object state;
  private final int hash;

  /** {@code fingerprint} must be a function of {@code linearized} alone; it speeds up hashing. */
  Visited(long[] linearized, long fingerprint, Object state) {
    int from = 0;
    while (from < linearized.length && linearized[from] == -1L) {
      from++;
    }
    int to = linearized.length;
    while (to > from && linearized[to - 1] == 0) {
      to--;
    }
    this.fullWords = from;
    this.middle = Arrays.copyOfRange(linearized, from, to);
    this.state = state;
    this.hash = Long.hashCode(fingerprint) * 31 + state.hashCode();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Visited v
        && hash == v.hash
        && fullWords == v.fullWords
        && Arrays.equals(middle, v.middle)
        && state.equals(v.state);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
