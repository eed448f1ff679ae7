package dev.cairn.store.config;

/** An invalid flag or environment variable; its message is shown to the user as is. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
