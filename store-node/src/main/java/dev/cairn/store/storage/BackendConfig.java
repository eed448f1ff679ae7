package dev.cairn.store.storage;

/**
 * How a backend trades durability for speed.
 *
 * @param durable every commit is fsynced before it returns
 * @param cacheBytes the page cache this backend may hold on the heap
 * @param fileSizeKb size of each log file, fixed when the backend is created
 */
public record BackendConfig(boolean durable, long cacheBytes, long fileSizeKb) {
  /** The Raft log: the durability point of every write. */
  public static BackendConfig raftLog() {
    return new BackendConfig(true, 64L << 20, 8192);
  }

  /** The MVCC state: synced periodically; the Raft log replays what a crash loses. */
  public static BackendConfig mvcc() {
    return new BackendConfig(false, 256L << 20, 16384);
  }
}
