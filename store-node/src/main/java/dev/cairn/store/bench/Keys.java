package dev.cairn.store.bench;

import com.google.protobuf.ByteString;
import java.security.SecureRandom;

/**
 * Keys and values as etcd's benchmark makes them: a key is {@code size} bytes holding the number as
 * a Go {@code binary.PutVarint} (zig-zag varint) followed by zero bytes; a value is random bytes.
 */
final class Keys {
  private Keys() {}

  /** Bytes that {@code binary.PutVarint} writes for {@code n}. */
  static int varintLength(long n) {
    long u = (n << 1) ^ (n >> 63);
    int len = 1;
    while ((u & ~0x7FL) != 0) {
      u >>>= 7;
      len++;
    }
    return len;
  }

  /** The key for number {@code n}: {@code prefix} then {@code size} bytes of varint and zeros. */
  static ByteString key(byte[] prefix, long n, int size) {
    byte[] k = new byte[prefix.length + size];
    System.arraycopy(prefix, 0, k, 0, prefix.length);
    long u = (n << 1) ^ (n >> 63);
    int i = prefix.length;
    while ((u & ~0x7FL) != 0) {
      k[i++] = (byte) ((u & 0x7F) | 0x80);
      u >>>= 7;
    }
    k[i] = (byte) u;
    return ByteString.copyFrom(k);
  }

  static ByteString randomValue(int size) {
    byte[] v = new byte[size];
    new SecureRandom().nextBytes(v);
    return ByteString.copyFrom(v);
  }

  /** Checks that {@code size} bytes hold every number below {@code keySpaceSize}. */
  static void checkFits(int size, int keySpaceSize) {
    int need = varintLength(keySpaceSize - 1L);
    if (size < need) {
      throw new IllegalArgumentException(
          "--key-size "
              + size
              + " is too small for --key-space-size "
              + keySpaceSize
              + " (needs "
              + need
              + " bytes)");
    }
  }
}
