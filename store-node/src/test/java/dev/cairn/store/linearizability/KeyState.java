package dev.cairn.store.linearizability;

/** The state of one key in {@link KvModel}: its value, or null when absent. */
public record KeyState(String value) {
  public static final KeyState ABSENT = new KeyState(null);

  public boolean present() {
    return value != null;
  }
}
