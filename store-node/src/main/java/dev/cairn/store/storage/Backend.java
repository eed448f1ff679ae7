package dev.cairn.store.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.EnvironmentImpl;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;
import jetbrains.exodus.env.Transaction;

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

  private Backend(Path dir, Environment env) {
    this.dir = dir;
    this.env = env;
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
            .setLogClearInvalid(false);
    Environment env;
    try {
      env = Environments.newInstance(dir.toFile(), ec);
    } catch (RuntimeException e) {
      throw new StorageException("cannot open " + dir + ": " + e.getMessage(), e);
    }
    Backend backend = new Backend(dir, env);
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
