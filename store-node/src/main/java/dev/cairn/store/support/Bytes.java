package dev.cairn.store.support;

import java.util.Arrays;
import java.util.Comparator;

/** Keys are raw bytes compared as unsigned, as etcd compares them. */
public final class Bytes implements Comparable<Bytes> {
  public static final byte[] EMPTY = new byte[0];
  public static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

  private final byte[] bytes;

  /**
   * The first 8 bytes, big-endian, zero-padded: most comparisons in a large index end here, without
   * the dependent load of the array, which is what a skip list's search is bound by.
   */
  private final long prefix;

  private int hash;

  private Bytes(byte[] bytes) {
    this.bytes = bytes;
    long p = 0;
    for (int i = 0; i < 8; i++) {
      p = (p << 8) | (i < bytes.length ? bytes[i] & 0xFF : 0);
    }
    this.prefix = p;
  }

  /** Wraps without copying: the caller must not change the array afterwards. */
  public static Bytes wrap(byte[] bytes) {
    return new Bytes(bytes);
  }

  public byte[] array() {
    return bytes;
  }

  public int length() {
    return bytes.length;
  }

  @Override
  public int compareTo(Bytes o) {
    int c = Long.compareUnsigned(prefix, o.prefix);
    return c != 0 ? c : Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Bytes b && Arrays.equals(bytes, b.bytes);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Arrays.hashCode(bytes);
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  public static long readLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  public static void writeLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  public static byte[] longBytes(long v) {
    byte[] b = new byte[8];
    writeLong(b, 0, v);
    return b;
  }
}
