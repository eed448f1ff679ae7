package dev.cairn.store.raft;

import java.util.Arrays;

/**
 * A change of one member, carried in a {@link Entry.Type#CONF_CHANGE} entry and taking effect when
 * the caller applies it through {@link RaftNode#applyConfChange}.
 *
 * @param context the caller's description of the member (its name and URLs), opaque to Raft
 */
public record ConfChange(Type type, long nodeId, byte[] context) {
  public enum Type {
    /** Adds a voter, or promotes a learner. */
    ADD_NODE,
    ADD_LEARNER,
    REMOVE_NODE,
    /** Changes the member's description only. */
    UPDATE_NODE
  }

  public byte[] encode() {
    byte[] b = new byte[9 + context.length];
    b[0] = (byte) type.ordinal();
    for (int i = 0; i < 8; i++) {
      b[1 + i] = (byte) (nodeId >>> (56 - 8 * i));
    }
    System.arraycopy(context, 0, b, 9, context.length);
    return b;
  }

  public static ConfChange decode(byte[] data) {
    if (data.length < 9 || data[0] < 0 || data[0] >= Type.values().length) {
      throw new IllegalArgumentException("not a configuration change: " + data.length + " bytes");
    }
    Type type = Type.values()[data[0]];
    long id = 0;
    for (int i = 1; i < 9; i++) {
      id = (id << 8) | (data[i] & 0xFF);
    }
    return new ConfChange(type, id, Arrays.copyOfRange(data, 9, data.length));
  }
}
