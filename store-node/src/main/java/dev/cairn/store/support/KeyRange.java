package dev.cairn.store.support;

import java.util.Arrays;

/**
 * A key interval as etcd's requests describe it: an empty end means the single key, an end of one
 * zero byte means every key from {@code key} on, otherwise {@code [key, end)}.
 */
public record KeyRange(byte[] key, byte[] end) {
  private static final byte[] FROM_KEY = {0};

  /** Builds the range of a request's key and range_end. */
  public static KeyRange of(byte[] key, byte[] rangeEnd) {
    return new KeyRange(key, rangeEnd == null ? Bytes.EMPTY : rangeEnd);
  }

  public boolean isSingleKey() {
    return end.length == 0;
  }

  /** True when the range has no upper bound. */
  public boolean isOpenEnded() {
    return Arrays.equals(end, FROM_KEY);
  }

  public boolean contains(byte[] k) {
    if (isSingleKey()) {
      return Arrays.equals(key, k);
    }
    if (Arrays.compareUnsigned(k, key) < 0) {
      return false;
    }
    return isOpenEnded() || Arrays.compareUnsigned(k, end) < 0;
  }

  /** The end of the range of every key with the given prefix, as etcd clients compute it. */
  public static byte[] prefixEnd(byte[] prefix) {
    byte[] end = Arrays.copyOf(prefix, prefix.length);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xFF) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    return FROM_KEY.clone();
  }
}
