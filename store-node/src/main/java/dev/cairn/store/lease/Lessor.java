package dev.cairn.store.lease;

import dev.cairn.store.support.Bytes;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * etcd's lessor: grants and revokes leases (through the log, on the apply thread), renews them and
 * finds expired ones (on the member that expires leases: the leader), and tracks which keys each
 * lease holds. Time is monotonic nanoseconds from the given clock.
 *
 * <p>Threading: grant, revoke, attach and detach from the apply thread; the rest from any thread.
 */
public final class Lessor {
  /** The largest time to live etcd grants, in seconds. */
  public static final long MAX_TTL = 9_000_000_000L;

  private final LongSupplier clock;
  private final long minTtl;
  private final long retryNanos;
  private final ConcurrentHashMap<Long, Lease> leases = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Bytes, Long> keyLeases = new ConcurrentHashMap<>();
  private volatile boolean primary;
  private final java.util.concurrent.atomic.LongAdder granted =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder revoked =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder renewed =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * @param clock monotonic nanoseconds
   * @param minTtl the smallest time to live granted, in seconds (etcd: 1.5 election timeouts)
   * @param retryNanos how long an expired lease waits before it is reported expired again
   */
  public Lessor(LongSupplier clock, long minTtl, long retryNanos) {
    this.clock = clock;
    this.minTtl = minTtl;
    this.retryNanos = retryNanos;
  }

  /** etcd's minimum TTL for an election timeout: ceil(1.5 × timeout) in seconds. */
  public static long minTtlFor(long electionTimeoutMillis) {
    return (3 * electionTimeoutMillis / 2 + 999) / 1000;
  }

  public long minTtl() {
    return minTtl;
  }

  /** Grants a lease; the id is chosen by the proposer. */
  public Lease grant(long id, long ttl) {
    if (id == 0) {
      throw new StoreException(StoreError.LEASE_NOT_FOUND);
    }
    if (ttl > MAX_TTL) {
      throw new StoreException(StoreError.LEASE_TTL_TOO_LARGE);
    }
    Lease l = new Lease(id, Math.max(ttl, minTtl));
    if (leases.putIfAbsent(id, l) != null) {
      throw new StoreException(StoreError.LEASE_EXISTS);
    }
    granted.increment();
    if (primary) {
      l.refresh(clock.getAsLong(), 0);
    }
    return l;
  }

  /** Forgets every lease and key attachment: the key space is being replaced by a snapshot. */
  public void clear() {
    leases.clear();
    keyLeases.clear();
  }

  /** Restores a lease read from disk at start. */
  public void restore(long id, long ttl) {
    Lease l = new Lease(id, ttl);
    if (primary) {
      l.refresh(clock.getAsLong(), 0);
    }
    leases.put(id, l);
  }

  /**
   * Forgets a lease.
   *
   * @return its keys, sorted; the caller deletes them in the same revision
   */
  public List<byte[]> revoke(long id) {
    Lease l = leases.remove(id);
    if (l == null) {
      throw new StoreException(StoreError.LEASE_NOT_FOUND);
    }
    List<byte[]> keys = l.keys();
    for (byte[] k : keys) {
      keyLeases.remove(Bytes.wrap(k), id);
    }
    revoked.increment();
    return keys;
  }

  /** Resets the lease's time to live; returns it in seconds, or -1 for an unknown lease. */
  public long renew(long id) {
    Lease l = leases.get(id);
    if (l == null) {
      return -1;
    }
    long now = clock.getAsLong();
    if (primary && l.expiry() <= now) {
      return -1; // expired: its revoke is on its way
    }
    if (primary) {
      l.refresh(now, 0);
    }
    renewed.increment();
    return l.ttl();
  }

  /** Leases granted, revoked and renewed here since start (etcd's lease counters). */
  public long grantedTotal() {
    return granted.sum();
  }

  public long revokedTotal() {
    return revoked.sum();
  }

  public long renewedTotal() {
    return renewed.sum();
  }

  public Lease lookup(long id) {
    return leases.get(id);
  }

  public boolean exists(long id) {
    return leases.containsKey(id);
  }

  public List<Lease> leases() {
    return new ArrayList<>(leases.values());
  }

  public long now() {
    return clock.getAsLong();
  }

  /** The lease a key is attached to, or 0. */
  public long leaseOf(byte[] key) {
    Long id = keyLeases.get(Bytes.wrap(key));
    return id == null ? 0 : id;
  }

  public void attach(long id, byte[] key) {
    Lease l = leases.get(id);
    if (l != null) {
      l.attach(key);
      keyLeases.put(Bytes.wrap(key), id);
    }
  }

  public void detach(long id, byte[] key) {
    Lease l = leases.get(id);
    if (l != null) {
      l.detach(key);
    }
    keyLeases.remove(Bytes.wrap(key), id);
  }

  /**
   * This member starts expiring leases: every lease expires its full time to live plus {@code
   * extendNanos} from now, so that clients get time to reach the new leader.
   */
  public void promote(long extendNanos) {
    primary = true;
    long now = clock.getAsLong();
    for (Lease l : leases.values()) {
      l.refresh(now, extendNanos);
    }
  }

  /** This member stops expiring leases. */
  public void demote() {
    primary = false;
    for (Lease l : leases.values()) {
      l.forever();
    }
  }

  public boolean isPrimary() {
    return primary;
  }

  /**
   * Leases past their expiry, at most {@code limit}; each is not reported again for a while, so
   * that its revoke has time to go through the log.
   */
  public List<Long> expired(int limit) {
    List<Long> out = new ArrayList<>();
    if (!primary) {
      return out;
    }
    long now = clock.getAsLong();
    for (Lease l : leases.values()) {
      if (out.size() >= limit) {
        break;
      }
      if (l.expiry() <= now && l.retryAt() <= now) {
        l.retryAt(now + retryNanos);
        out.add(l.id());
      }
    }
    return out;
  }
}
