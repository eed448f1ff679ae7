package dev.cairn.store.linearizability;

/**
 * The outcome of searching one partition. For ILLEGAL, the longest linearizable prefix met (indices
 * into the partition, in linearization order) and the state after it.
 */
record SearchResult<S>(Verdict verdict, int[] longestPrefix, S stateAfterPrefix) {
  static <S> SearchResult<S> of(Verdict verdict) {
    return new SearchResult<>(verdict, new int[0], null);
  }
}
