package dev.cairn.store.mvcc;

import com.google.protobuf.ByteString;
import dev.cairn.store.support.KeyRange;

/**
 * One write request's changes: all of them share one new main revision, which exists only if at
 * least one change is made. Reads see the changes made so far.
 */
public interface WriteView extends ReadView {
  /** Puts the key; returns the revision of the write. */
  long put(ByteString key, ByteString value, long lease);

  /** Deletes every live key in the range; returns how many. */
  long deleteRange(KeyRange range);

  /** The revision a response reports: the new one once anything changed, else the current. */
  long responseRevision();

  /** Whether anything changed. */
  boolean changed();
}
