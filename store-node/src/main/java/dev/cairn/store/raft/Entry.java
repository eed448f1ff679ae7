package dev.cairn.store.raft;

/**
 * One Raft log entry.
 *
 * @param data the proposal's bytes; empty for the entry a new leader appends
 */
public record Entry(long index, long term, Type type, byte[] data) {
  public enum Type {
    NORMAL,
    CONF_CHANGE
  }

  public static Entry normal(long index, long term, byte[] data) {
    return new Entry(index, term, Type.NORMAL, data);
  }
}
