package dev.cairn.store.tls;

/** A certificate, key or TLS setting that cannot be used; its message names the file or flag. */
public final class TlsException extends RuntimeException {
  public TlsException(String message) {
    super(message, null, false, false);
  }

  public TlsException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
