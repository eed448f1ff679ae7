package dev.cairn.store.server;

import dev.cairn.store.lease.Lessor;
import dev.cairn.store.mvcc.KeyLeases;

/** Lets the MVCC store tell the lessor of attachment changes without knowing it. */
record LessorKeyLeases(Lessor lessor) implements KeyLeases {
  @Override
  public long leaseOf(byte[] key) {
    return lessor.leaseOf(key);
  }

  @Override
  public void attach(long lease, byte[] key) {
    lessor.attach(lease, key);
  }

  @Override
  public void detach(long lease, byte[] key) {
    lessor.detach(lease, key);
  }
}
