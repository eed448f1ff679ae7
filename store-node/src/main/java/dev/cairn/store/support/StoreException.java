package dev.cairn.store.support;

/** A failure the client is told about; expected, so it carries no stack trace. */
public final class StoreException extends RuntimeException {
  private final StoreError error;

  public StoreException(StoreError error) {
    this(error, error.name());
  }

  public StoreException(StoreError error, String detail) {
    super(detail, null, false, false);
    this.error = error;
  }

  public StoreError error() {
    return error;
  }
}
