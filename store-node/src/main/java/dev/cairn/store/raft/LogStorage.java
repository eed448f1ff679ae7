package dev.cairn.store.raft;

import java.util.List;

/**
 * The durable part of the log as the Raft core reads it. The core never writes here: it hands new
 * entries out in {@link Ready} and learns they are stored through {@link RaftNode#persisted}.
 *
 * <p>Threading: the core reads from its own thread while the caller's writer appends; an
 * implementation must make entries it has reported stored visible to that reader.
 */
public interface LogStorage {
  /** Index of the first entry still held (the snapshot's index + 1). */
  long firstIndex();

  /** Index of the last entry held, or the snapshot's index when no entry follows it. */
  long lastIndex();

  /**
   * Term of the entry at {@code index}, for {@code firstIndex() - 1 <= index <= lastIndex()}.
   *
   * @return the term, or -1 when the entry was compacted away
   */
  long term(long index);

  /** Entries in [lo, hi), stopping before {@code maxBytes} of data but returning at least one. */
  List<Entry> entries(long lo, long hi, long maxBytes);

  /** The latest snapshot, or null when none is available yet. */
  Snapshot snapshot();
}
