package dev.cairn.store.support;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Unique ids the way etcd makes them: the low 16 bits of the member id, then 40 bits of the start
 * time in milliseconds and an 8-bit counter that carries into the time. Ids of one member never
 * repeat across restarts as long as it issues fewer than 256 per millisecond on average.
 */
public final class IdGenerator {
  private static final int SUFFIX_BITS = 48;
  private static final long SUFFIX_MASK = (1L << SUFFIX_BITS) - 1;

  private final long prefix;
  private final AtomicLong suffix;

  public IdGenerator(long memberId, long nowMillis) {
    this.prefix = (memberId & 0xFFFF) << SUFFIX_BITS;
    this.suffix = new AtomicLong((nowMillis & ((1L << 40) - 1)) << 8);
  }

  public long next() {
    return prefix | (suffix.incrementAndGet() & SUFFIX_MASK);
  }
}
