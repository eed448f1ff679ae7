package dev.cairn.store.apply;

/** Whether a lease exists; the lessor answers it. */
@FunctionalInterface
public interface LeaseLookup {
  boolean exists(long leaseId);
}
