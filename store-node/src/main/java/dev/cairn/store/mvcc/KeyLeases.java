package dev.cairn.store.mvcc;

/** Which lease each key is attached to; the lessor keeps it, the store tells it of changes. */
public interface KeyLeases {
  /** The lease the key is attached to, or 0. */
  long leaseOf(byte[] key);

  void attach(long lease, byte[] key);

  void detach(long lease, byte[] key);

  /** For a store without leases. */
  KeyLeases NONE =
      new KeyLeases() {
        @Override
        public long leaseOf(byte[] key) {
          return 0;
        }

        @Override
        public void attach(long lease, byte[] key) {}

        @Override
        public void detach(long lease, byte[] key) {}
      };
}
