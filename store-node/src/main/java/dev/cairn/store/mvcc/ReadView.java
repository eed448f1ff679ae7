package dev.cairn.store.mvcc;

import dev.cairn.store.support.KeyRange;

/** Reads the store as of one moment. */
public interface ReadView {
  /** The revision this view reads at by default. */
  long rev();

  /** The oldest revision still readable (the compacted revision; -1 if never compacted). */
  long firstRev();

  /**
   * Reads the range.
   *
   * @throws dev.cairn.store.support.StoreException COMPACTED or FUTURE_REVISION for a revision
   *     outside the readable history
   */
  RangeResult range(KeyRange range, RangeOptions options);
}
