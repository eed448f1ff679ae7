package dev.cairn.store.apply;

/** Whether a lease exists; the lease package answers it. */
@FunctionalInterface
public interface LeaseLookup {
  boolean exists(long leaseId);

  /** For a member that grants no leases: none exists. */
  LeaseLookup NONE = id -> false;
}
