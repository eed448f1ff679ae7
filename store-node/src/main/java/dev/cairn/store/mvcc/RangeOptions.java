package dev.cairn.store.mvcc;

/**
 * @param limit at most this many key-values (0 = all)
 * @param rev the revision to read at (0 or less = the newest)
 * @param countOnly count the keys, fetch none
 */
public record RangeOptions(long limit, long rev, boolean countOnly) {
  public static final RangeOptions ALL = new RangeOptions(0, 0, false);
}
