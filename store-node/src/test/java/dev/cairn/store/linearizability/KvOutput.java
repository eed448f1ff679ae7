package dev.cairn.store.linearizability;

/** What a {@link KvInput} answered. */
public sealed interface KvOutput {
  static KvOutput written() {
    return new Written();
  }

  /** The value read; null when the key was absent. */
  static KvOutput read(String value) {
    return new Read(value);
  }

  static KvOutput deleted(long count) {
    return new Deleted(count);
  }

  static KvOutput swapped(boolean succeeded) {
    return new Swapped(succeeded);
  }

  record Written() implements KvOutput {}

  record Read(String value) implements KvOutput {}

  record Deleted(long count) implements KvOutput {}

  record Swapped(boolean succeeded) implements KvOutput {}
}
