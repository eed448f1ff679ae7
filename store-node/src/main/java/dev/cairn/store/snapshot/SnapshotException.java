package dev.cairn.store.snapshot;

import java.io.IOException;

/** A snapshot file is not one, is damaged, or does not fit the store it is loaded into. */
public final class SnapshotException extends IOException {
  public SnapshotException(String message) {
    super(message);
  }
}
