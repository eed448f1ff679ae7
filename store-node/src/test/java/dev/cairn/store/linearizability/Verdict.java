package dev.cairn.store.linearizability;

public enum Verdict {
  OK,
  ILLEGAL,
  /** The time budget ran out before the search decided. */
  UNKNOWN
}
