package dev.cairn.store.storage;

/**
 * The single writer's transaction on one backend. Reads see its own writes. Nothing is visible to
 * others until {@link #commit()}; closing without commit discards everything.
 */
public interface WriteTx extends ReadTx {
  void put(Table table, byte[] key, byte[] value);

  /** Puts a key known to be greater than every key in the table (a fast append). */
  void append(Table table, byte[] key, byte[] value);

  void delete(Table table, byte[] key);

  /** Removes every record of the table; later puts in this transaction land in the empty table. */
  void clear(Table table);

  /** Makes the writes visible, and durable when the backend is durable. */
  void commit();
}
