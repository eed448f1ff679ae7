package dev.cairn.store.storage;

/** The disk or a file failed us; the member cannot go on safely. */
public final class StorageException extends RuntimeException {
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
