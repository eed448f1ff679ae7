package dev.cairn.store.mvcc;

import dev.cairn.store.support.Bytes;

/**
 * A point in the store's history: the main revision of a write request and the position of one
 * change inside it. On disk it is etcd's 17-byte key, big-endian main, '_', big-endian sub, with a
 * trailing 't' marking a deletion.
 */
public record Revision(long main, long sub) implements Comparable<Revision> {
  static final int BYTES = 17;
  static final byte TOMBSTONE_MARK = 't';

  public byte[] toBytes(boolean tombstone) {
    byte[] b = new byte[tombstone ? BYTES + 1 : BYTES];
    Bytes.writeLong(b, 0, main);
    b[8] = '_';
    Bytes.writeLong(b, 9, sub);
    if (tombstone) {
      b[BYTES] = TOMBSTONE_MARK;
    }
    return b;
  }

  public static Revision fromBytes(byte[] b) {
    return new Revision(Bytes.readLong(b, 0), Bytes.readLong(b, 9));
  }

  public static boolean isTombstone(byte[] b) {
    return b.length == BYTES + 1 && b[BYTES] == TOMBSTONE_MARK;
  }

  /** The smallest on-disk key of a main revision. */
  public static byte[] startOf(long main) {
    return new Revision(main, 0).toBytes(false);
  }

  @Override
  public int compareTo(Revision o) {
    int c = Long.compare(main, o.main);
    return c != 0 ? c : Long.compare(sub, o.sub);
  }
}
