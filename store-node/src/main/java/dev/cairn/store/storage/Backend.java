package dev.cairn.store.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.ExodusException;
import jetbrains.exodus.core.execution.LatchJob;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.EnvironmentImpl;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;
import jetbrains.exodus.env.Transaction;
import jetbrains.exodus.gc.GarbageCollector;

/**
 * One Xodus environment in one directory. The only class that touches Xodus: the rest of the member
 * sees tables of byte keys and values.
 *
 * <p>Threading: any number of readers; one writer thread at a time (write transactions are
 * exclusive, so they never conflict and never replay).
 */
public final class Backend implements AutoCloseable {
  private final Path dir;
  private final Environment env;
  private final Map<Table, Store> stores = new HashMap<>();
  private final List<Table> tables;

  private Backend(Path dir, Environment env, List<Table> tables) {
    this.dir = dir;
    this.env = env;
    this.tables = List.copyOf(tables);
  }

  /** Opens (creating if needed) the backend in {@code dir} with the given tables. */
  public static Backend open(Path dir, BackendConfig config, List<Table> tables) {
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new StorageException("cannot create data directory " + dir + ": " + e.getMessage(), e);
    }
    EnvironmentConfig ec =
        new EnvironmentConfig()
            .setLogDurableWrite(config.durable())
            .setLogFileSize(config.fileSizeKb())
            // A small heap (-Xmx256m) gets a smaller cache rather than a refusal to start.
            .setMemoryUsage(Math.min(config.cacheBytes(), Runtime.getRuntime().maxMemory() / 5))
            .setLogCacheShared(false)
            .setGcUseExclusiveTransaction(false)
            .setManagementEnabled(false)
            .setEnvCloseForcedly(true)
            .setLogClearInvalid(false)
            // Files emptied by the cleaner go as soon as no transaction can still read them.
            .setGcFilesDeletionDelay(0);
    Environment env;
    try {
      env = Environments.newInstance(dir.toFile(), ec);
    } catch (RuntimeException e) {
      throw new StorageException("cannot open " + dir + ": " + e.getMessage(), e);
    }
    Backend backend = new Backend(dir, env, tables);
    env.executeInExclusiveTransaction(
        txn -> {
          for (Table t : tables) {
            backend.stores.put(
                t, env.openStore(t.name(), StoreConfig.WITHOUT_DUPLICATES_WITH_PREFIXING, txn));
          }
        });
    return backend;
  }

  public Path dir() {
    return dir;
  }

  /** The tables this backend was opened with, in that order. */
  public List<Table> tables() {
    return tables;
  }

  public ReadTx beginRead() {
    return new Tx(env.beginReadonlyTransaction());
  }

  /** Begins the exclusive write transaction; call only from the backend's writer thread. */
  public WriteTx beginWrite() {
    return new Tx(env.beginExclusiveTransaction());
  }

  /** Forces everything committed so far to disk. */
  public void sync() {
    ((EnvironmentImpl) env).flushAndSync();
  }

  /** Bytes the backend's files take on disk. */
  public long diskBytes() {
    try (var files = Files.list(dir)) {
      return files
          .filter(p -> p.toString().endsWith(".xd"))
          .mapToLong(p -> p.toFile().length())
          .sum();
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  /**
   * Live bytes: the files' size scaled by the cleaner's utilization estimate (which it keeps up to
   * date as data expires); the files' size when there is no estimate.
   */
  public long inUseBytes() {
    long disk = diskBytes();
    int percent = ((EnvironmentImpl) env).getGC().getUtilizationProfile().totalUtilizationPercent();
    if (percent <= 0 || percent >= 100) {
      return disk;
    }
    return disk * percent / 100;
  }

  /**
   * Rewrites every log file but the newest, moving live records to the end of the log, so that the
   * space of deleted and overwritten data goes back to the file system. Readers and the writer go
   * on meanwhile: each file is cleaned in its own short transaction, and a cleaned file is deleted
   * once no transaction that could still read it is open. Returns once every file was cleaned; the
   * deletion of files still pinned by open readers follows when they close.
   *
   * @throws StorageException if the cleaner does not finish within ten minutes
   */
  public void defragment() {
    EnvironmentImpl impl = (EnvironmentImpl) env;
    GarbageCollector gc = impl.getGC();
    long[] files = impl.getLog().getAllFileAddresses();
    long newest = impl.getLog().getHighFileAddress();
    boolean[] failed = {false};
    // On the cleaner's own thread, so that background cleaning never races this pass.
    LatchJob job =
        new LatchJob() {
          @Override
          protected void execute() {
            try {
              for (long file : files) {
                if (file == newest) {
                  continue;
                }
                cleanFile(gc, file);
              }
            } catch (RuntimeException e) {
              failed[0] = true;
              throw e;
            } finally {
              release();
            }
          }
        };
    boolean done = gc.getCleanerJobProcessor().waitForLatchJob(job, 600_000);
    if (!done || failed[0]) {
      throw new StorageException("defragmenting " + dir + " did not finish", null);
    }
    // The deletions are queued behind the readers open when cleaning ended, in an order this
    // member does not choose: wait for a few rounds of them, until the cleaned files are gone.
    for (int round = 0; round < 5 && anyLeft(impl, files, newest); round++) {
      if (!awaitDeletions(impl, gc)) {
        break;
      }
    }
  }

  private static boolean anyLeft(EnvironmentImpl impl, long[] cleaned, long newest) {
    java.util.Set<Long> now = new java.util.HashSet<>();
    for (long f : impl.getLog().getAllFileAddresses()) {
      now.add(f);
    }
    for (long f : cleaned) {
      if (f != newest && now.contains(f)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Waits a little for the cleaned files to go: the cleaner deletes them once the transactions open
   * when it finished have ended, a task this one queues behind. A long reader (a snapshot being
   * sent) keeps them longer; they go when it closes.
   *
   * @return false when the readers did not end in time (the files go later)
   */
  private static boolean awaitDeletions(EnvironmentImpl impl, GarbageCollector gc) {
    java.util.concurrent.CountDownLatch readersGone = new java.util.concurrent.CountDownLatch(1);
    impl.executeTransactionSafeTask(readersGone::countDown);
    try {
      if (!readersGone.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    LatchJob after =
        new LatchJob() {
          @Override
          protected void execute() {
            release();
          }
        };
    return gc.getCleanerJobProcessor().waitForLatchJob(after, 10_000);
  }

  private static void cleanFile(GarbageCollector gc, long file) {
    // A clean fails only when its transaction cannot start or flush: try again a few times.
    for (int attempt = 0; attempt < 100; attempt++) {
      try {
        if (gc.doCleanFile(file)) {
          return;
        }
      } catch (ExodusException e) {
        // Cleaned already by the background cleaner and waiting for deletion.
        return;
      }
    }
  }

  @Override
  public void close() {
    if (env.isOpen()) {
      sync();
      env.close();
    }
  }

  private Store store(Table table) {
    Store s = stores.get(table);
    if (s == null) {
      throw new IllegalArgumentException("table not opened in " + dir + ": " + table.name());
    }
    return s;
  }

  static byte[] bytes(ByteIterable it) {
    byte[] raw = it.getBytesUnsafe();
    return Arrays.copyOf(raw, it.getLength());
  }

  private final class Tx implements WriteTx {
    private final Transaction txn;
    private boolean done;

    Tx(Transaction txn) {
      this.txn = txn;
    }

    @Override
    public byte[] get(Table table, byte[] key) {
      ByteIterable v = store(table).get(txn, new ArrayByteIterable(key));
      return v == null ? null : bytes(v);
    }

    @Override
    public void scan(Table table, byte[] from, Visitor visitor) {
      try (Cursor c = store(table).openCursor(txn)) {
        boolean ok =
            from == null ? c.getNext() : c.getSearchKeyRange(new ArrayByteIterable(from)) != null;
        while (ok) {
          if (!visitor.visit(bytes(c.getKey()), bytes(c.getValue()))) {
            return;
          }
          ok = c.getNext();
        }
      }
    }

    @Override
    public void scanBackwards(Table table, Visitor visitor) {
      try (Cursor c = store(table).openCursor(txn)) {
        boolean ok = c.getLast();
        while (ok) {
          if (!visitor.visit(bytes(c.getKey()), bytes(c.getValue()))) {
            return;
          }
          ok = c.getPrev();
        }
      }
    }

    @Override
    public void put(Table table, byte[] key, byte[] value) {
      store(table).put(txn, new ArrayByteIterable(key), new ArrayByteIterable(value));
    }

    @Override
    public void append(Table table, byte[] key, byte[] value) {
      store(table).putRight(txn, new ArrayByteIterable(key), new ArrayByteIterable(value));
    }

    @Override
    public void delete(Table table, byte[] key) {
      store(table).delete(txn, new ArrayByteIterable(key));
    }

    @Override
    public void clear(Table table) {
      // Record by record: truncating would give the table a new identity under open readers.
      try (Cursor c = store(table).openCursor(txn)) {
        while (c.getNext()) {
          c.deleteCurrent();
        }
      }
    }

    @Override
    public void commit() {
      done = true;
      if (!txn.commit()) {
        txn.abort();
        throw new StorageException("commit conflicted in " + dir, null);
      }
    }

    @Override
    public void close() {
      if (!done) {
        done = true;
        txn.abort();
      }
    }
  }
}
