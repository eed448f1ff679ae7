package dev.cairn.store.lease;

import dev.cairn.store.support.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A granted lease: its time to live, when it expires, and the keys attached to it. */
public final class Lease {
  /** Expiry of a lease held by a member that does not expire leases. */
  static final long FOREVER = Long.MAX_VALUE;

  private final long id;
  private final long ttl;
  private final Set<Bytes> keys = ConcurrentHashMap.newKeySet();
  // Monotonic nanoseconds; FOREVER while this member is not the one expiring leases.
  private volatile long expiry = FOREVER;
  // Not before this time is the lease reported expired again (its revoke is under way).
  private volatile long retryAt;

  Lease(long id, long ttl) {
    this.id = id;
    this.ttl = ttl;
  }

  public long id() {
    return id;
  }

  /** The granted time to live in seconds. */
  public long ttl() {
    return ttl;
  }

  long expiry() {
    return expiry;
  }

  void refresh(long now, long extendNanos) {
    expiry = now + extendNanos + ttl * 1_000_000_000L;
  }

  void forever() {
    expiry = FOREVER;
  }

  long retryAt() {
    return retryAt;
  }

  void retryAt(long t) {
    retryAt = t;
  }

  /** Whole seconds left (truncated, as etcd reports them); large when it never expires here. */
  public long remainingSeconds(long now) {
    long e = expiry;
    if (e == FOREVER) {
      return Long.MAX_VALUE / 1_000_000_000L;
    }
    return (e - now) / 1_000_000_000L;
  }

  void attach(byte[] key) {
    keys.add(Bytes.wrap(key));
  }

  void detach(byte[] key) {
    keys.remove(Bytes.wrap(key));
  }

  /** The attached keys, sorted. */
  public List<byte[]> keys() {
    List<Bytes> sorted = new ArrayList<>(keys);
    sorted.sort(null);
    List<byte[]> out = new ArrayList<>(sorted.size());
    for (Bytes b : sorted) {
      out.add(b.array());
    }
    return out;
  }
}
