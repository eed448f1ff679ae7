package dev.cairn.store.storage;

/** A consistent snapshot of one backend. Close it promptly: an open snapshot pins files. */
public interface ReadTx extends AutoCloseable {

  /** Visits entries in key order. */
  @FunctionalInterface
  interface Visitor {
    /** Returns false to stop the scan. */
    boolean visit(byte[] key, byte[] value);
  }

  /** The value of the key, or null. */
  byte[] get(Table table, byte[] key);

  /** Visits every entry with key >= from (all entries when from is null), in key order. */
  void scan(Table table, byte[] from, Visitor visitor);

  /** Visits entries from the largest key downwards. */
  void scanBackwards(Table table, Visitor visitor);

  @Override
  void close();
}
