package dev.cairn.store.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.proto.mvccpb.Event;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.ReadTx;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.storage.StorageException;
import dev.cairn.store.storage.Table;
import dev.cairn.store.storage.WriteTx;
import dev.cairn.store.support.Bytes;
import dev.cairn.store.support.KeyRange;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * etcd's multi-version key space on one backend: every revision of every key on disk, an index of
 * key histories in memory.
 *
 * <p>Threading: one writer (the apply thread) through {@link #beginBatch()}; readers anywhere
 * through {@link #read(ReadConsumer)}. A revision becomes visible to readers only once the batch
 * holding it has committed.
 */
public final class MvccStore {
  private final Backend backend;
  // Replaced whole when a snapshot is installed; a reader keeps the one it started with.
  private volatile TreeIndex index = new TreeIndex();
  private final KeyLeases leases;

  // Invariant: every revision <= currentRev is committed to the backend.
  private volatile long currentRev = 1;
  private volatile long compactRev = -1;
  private volatile long appliedIndex;
  private volatile long appliedTerm;

  private MvccStore(Backend backend, KeyLeases leases) {
    this.backend = backend;
    this.leases = leases;
  }

  /** Opens the store, rebuilding the in-memory index from every revision on disk. */
  public static MvccStore open(Backend backend) {
    return open(backend, KeyLeases.NONE);
  }

  /**
   * Opens the store and tells {@code leases} of every live key's lease.
   *
   * @param leases told of every attachment change from now on
   */
  public static MvccStore open(Backend backend, KeyLeases leases) {
    MvccStore s = new MvccStore(backend, leases);
    s.restore();
    return s;
  }

  /** The members recorded by applied configuration changes: id to description. */
  public java.util.Map<Long, byte[]> storedMembers() {
    java.util.Map<Long, byte[]> out = new java.util.LinkedHashMap<>();
    try (ReadTx tx = backend.beginRead()) {
      tx.scan(
          Schema.MEMBERS,
          null,
          (k, v) -> {
            out.put(Bytes.readLong(k, 0), v);
            return true;
          });
    }
    return out;
  }

  /** The raised alarms: pairs of member id and alarm type number, in key order. */
  public List<long[]> storedAlarms() {
    List<long[]> out = new ArrayList<>();
    try (ReadTx tx = backend.beginRead()) {
      tx.scan(
          Schema.ALARM,
          null,
          (k, v) -> {
            out.add(new long[] {Bytes.readLong(k, 0), Bytes.readLong(k, 8)});
            return true;
          });
    }
    return out;
  }

  /** One auth table's records, by UTF-8 key, in key order. */
  public java.util.Map<String, byte[]> storedAuth(Table table) {
    java.util.Map<String, byte[]> out = new java.util.LinkedHashMap<>();
    try (ReadTx tx = backend.beginRead()) {
      tx.scan(
          table,
          null,
          (k, v) -> {
            out.put(new String(k, java.nio.charset.StandardCharsets.UTF_8), v);
            return true;
          });
    }
    return out;
  }

  /** The leases on disk: id to granted time to live in seconds. */
  public java.util.Map<Long, Long> storedLeases() {
    java.util.Map<Long, Long> out = new java.util.LinkedHashMap<>();
    try (ReadTx tx = backend.beginRead()) {
      tx.scan(
          Schema.LEASE,
          null,
          (k, v) -> {
            out.put(Bytes.readLong(k, 0), Bytes.readLong(v, 0));
            return true;
          });
    }
    return out;
  }

  /** Tells the key leases of every live key's lease; for the start, once leases are restored. */
  public void attachLiveKeys() {
    read(
        v -> {
          for (KeyValue kv :
              v.range(KeyRange.of(new byte[] {0}, new byte[] {0}), RangeOptions.ALL).kvs()) {
            if (kv.getLease() != 0) {
              leases.attach(kv.getLease(), kv.getKey().toByteArray());
            }
          }
          return null;
        });
  }

  /**
   * Rebuilds everything in memory from the backend, whose content was replaced under this store (a
   * snapshot installed by the apply thread, the only writer). Tells the key leases of every live
   * key's lease again.
   */
  public void reload() {
    TreeIndex previous = index;
    index = new TreeIndex();
    try {
      restore();
    } catch (RuntimeException e) {
      index = previous;
      throw e;
    }
  }

  private void restore() {
    TreeIndex index = this.index;
    long[] last = {1};
    try (ReadTx tx = backend.beginRead()) {
      tx.scan(
          Schema.KEY,
          null,
          (revBytes, value) -> {
            Revision rev = Revision.fromBytes(revBytes);
            byte[] key = parse(value).getKey().toByteArray();
            if (Revision.isTombstone(revBytes)) {
              index.tombstone(key, rev);
            } else {
              index.put(key, rev);
            }
            last[0] = rev.main();
            return true;
          });
      compactRev = readLong(tx, Schema.FINISHED_COMPACT_REV, -1);
      currentRev = Math.max(last[0], Math.max(compactRev, 1));
      appliedTerm = readLong(tx, Schema.TERM, 0);
      appliedIndex = readLong(tx, Schema.CONSISTENT_INDEX, 0);
    }
  }

  private static long readLong(ReadTx tx, byte[] key, long absent) {
    byte[] v = tx.get(Schema.META, key);
    return v == null ? absent : Bytes.readLong(v, 0);
  }

  public long currentRevision() {
    return currentRev;
  }

  public long compactRevision() {
    return compactRev;
  }

  /** The last Raft index whose effects are in this store. */
  public long appliedIndex() {
    return appliedIndex;
  }

  public long appliedTerm() {
    return appliedTerm;
  }

  public int keyCount() {
    return index.size();
  }

  /** Reads a consistent snapshot at the newest committed revision. */
  public <T> T read(ReadConsumer<T> reader) {
    long rev = currentRev;
    long first = compactRev;
    try (ReadTx tx = backend.beginRead()) {
      return reader.read(new SnapshotView(tx, rev, first));
    }
  }

  /** Work done against one read snapshot. */
  @FunctionalInterface
  public interface ReadConsumer<T> {
    T read(ReadView view);
  }

  /**
   * Every change with main revision in [fromRev, toRev], in revision order, reading at most {@code
   * maxRevisions} revisions. Deletions carry only the key and their revision.
   */
  public List<Event> history(long fromRev, long toRev, int maxRevisions) {
    List<Event> out = new ArrayList<>();
    try (ReadTx tx = backend.beginRead()) {
      long[] seen = {0, -1}; // count of revisions, last main revision
      tx.scan(
          Schema.KEY,
          Revision.startOf(Math.max(fromRev, 0)),
          (revBytes, value) -> {
            Revision r = Revision.fromBytes(revBytes);
            if (r.main() > toRev) {
              return false;
            }
            if (r.main() != seen[1]) {
              if (seen[0] == maxRevisions) {
                return false;
              }
              seen[0]++;
              seen[1] = r.main();
            }
            KeyValue kv = parse(value);
            if (Revision.isTombstone(revBytes)) {
              out.add(
                  Event.newBuilder()
                      .setType(Event.EventType.DELETE)
                      .setKv(KeyValue.newBuilder().setKey(kv.getKey()).setModRevision(r.main()))
                      .build());
            } else {
              out.add(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
            }
            return true;
          });
    }
    return out;
  }

  /** Begins the apply thread's batch; only one may be open. */
  public WriteBatch beginBatch() {
    return new WriteBatch(backend.beginWrite());
  }

  private static KeyValue parse(byte[] value) {
    try {
      return KeyValue.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("unreadable key-value in the MVCC store", e);
    }
  }

  RangeResult rangeKeys(ReadTx tx, KeyRange range, long curRev, RangeOptions ro) {
    long rev = ro.rev();
    if (rev > curRev) {
      throw new StoreException(StoreError.FUTURE_REVISION);
    }
    if (rev <= 0) {
      rev = curRev;
    }
    if (rev < compactRev) {
      throw new StoreException(StoreError.COMPACTED);
    }
    if (ro.countOnly()) {
      return new RangeResult(List.of(), index.count(range, rev), curRev);
    }
    List<KeyValue> kvs = new ArrayList<>();
    long total = 0;
    long limit = ro.limit();
    for (KeyIndex ki : index.inRange(range)) {
      KeyIndex.Hit hit = ki.get(rev);
      if (hit == null) {
        continue;
      }
      total++;
      if (limit <= 0 || kvs.size() < limit) {
        byte[] value = tx.get(Schema.KEY, hit.modified().toBytes(false));
        if (value == null) {
          continue; // compacted away under this reader
        }
        kvs.add(parse(value));
      }
    }
    return new RangeResult(kvs, total, curRev);
  }

  private final class SnapshotView implements ReadView {
    private final ReadTx tx;
    private final long rev;
    private final long first;

    SnapshotView(ReadTx tx, long rev, long first) {
      this.tx = tx;
      this.rev = rev;
      this.first = first;
    }

    @Override
    public long rev() {
      return rev;
    }

    @Override
    public long firstRev() {
      return first;
    }

    @Override
    public RangeResult range(KeyRange range, RangeOptions options) {
      return rangeKeys(tx, range, rev, options);
    }
  }

  /**
   * The apply thread's unit of work: many write requests, one backend transaction. Nothing is
   * visible to readers before {@link #commit(long, long)}.
   */
  public final class WriteBatch implements AutoCloseable {
    private final WriteTx tx;
    private long rev = currentRev;
    private final List<Event> events = new ArrayList<>();

    private WriteBatch(WriteTx tx) {
      this.tx = tx;
    }

    /** Begins one write request; end it with {@link Txn#end()} before the next begins. */
    public Txn beginTxn() {
      return new Txn(rev);
    }

    /** The changes made in this batch, in revision order. */
    public List<Event> events() {
      return events;
    }

    /**
     * Compacts history before {@code atRev}.
     *
     * @throws StoreException COMPACTED if already compacted there, FUTURE_REVISION past the newest
     */
    public void compact(long atRev) {
      if (atRev <= compactRev) {
        throw new StoreException(StoreError.COMPACTED);
      }
      if (atRev > rev) {
        throw new StoreException(StoreError.FUTURE_REVISION);
      }
      compactRev = atRev; // readers asking for older revisions now get COMPACTED
      Set<Revision> keep = index.compact(atRev);
      List<byte[]> drop = new ArrayList<>();
      tx.scan(
          Schema.KEY,
          null,
          (revBytes, value) -> {
            Revision r = Revision.fromBytes(revBytes);
            if (r.main() > atRev) {
              return false;
            }
            if (!keep.contains(r)) {
              drop.add(revBytes);
            }
            return true;
          });
      for (byte[] k : drop) {
        tx.delete(Schema.KEY, k);
      }
      tx.put(Schema.META, Schema.FINISHED_COMPACT_REV, Bytes.longBytes(atRev));
    }

    /** The newest revision in this batch so far. */
    public long revision() {
      return rev;
    }

    /** Records a granted lease in this batch. */
    public void saveLease(long id, long ttl) {
      tx.put(Schema.LEASE, Bytes.longBytes(id), Bytes.longBytes(ttl));
    }

    /** Records a member added or changed by a configuration change in this batch. */
    public void saveMember(long id, byte[] description) {
      tx.put(Schema.MEMBERS, Bytes.longBytes(id), description);
    }

    /** Removes a member in this batch. */
    public void removeMember(long id) {
      tx.delete(Schema.MEMBERS, Bytes.longBytes(id));
    }

    /** Records a raised alarm in this batch. */
    public void saveAlarm(long memberId, long type) {
      tx.put(Schema.ALARM, alarmKey(memberId, type), new byte[0]);
    }

    /** Removes a disarmed alarm in this batch. */
    public void removeAlarm(long memberId, long type) {
      tx.delete(Schema.ALARM, alarmKey(memberId, type));
    }

    private static byte[] alarmKey(long memberId, long type) {
      byte[] k = new byte[16];
      Bytes.writeLong(k, 0, memberId);
      Bytes.writeLong(k, 8, type);
      return k;
    }

    /**
     * Where the auth store writes in this batch: flags, users and roles in their own tables, as
     * etcd keeps them in its auth buckets.
     */
    public AuthRecords authWrites() {
      return new AuthRecords() {
        @Override
        public void putFlag(byte[] key, byte[] value) {
          tx.put(Schema.AUTH, key, value);
        }

        @Override
        public void putUser(byte[] name, byte[] user) {
          tx.put(Schema.AUTH_USERS, name, user);
        }

        @Override
        public void deleteUser(byte[] name) {
          tx.delete(Schema.AUTH_USERS, name);
        }

        @Override
        public void putRole(byte[] name, byte[] role) {
          tx.put(Schema.AUTH_ROLES, name, role);
        }

        @Override
        public void deleteRole(byte[] name) {
          tx.delete(Schema.AUTH_ROLES, name);
        }
      };
    }

    /** Removes a revoked lease in this batch. */
    public void removeLease(long id) {
      tx.delete(Schema.LEASE, Bytes.longBytes(id));
    }

    /** Commits, recording the Raft index and term of the last entry applied. */
    public void commit(long index, long term) {
      tx.put(Schema.META, Schema.CONSISTENT_INDEX, Bytes.longBytes(index));
      tx.put(Schema.META, Schema.TERM, Bytes.longBytes(term));
      tx.commit();
      // The revision first: a reader that sees the applied index must also see its revision, or a
      // linearizable read waiting for this index could read the state before it.
      currentRev = rev;
      appliedTerm = term;
      appliedIndex = index;
    }

    @Override
    public void close() {
      tx.close();
    }

    /** One write request inside the batch. */
    public final class Txn implements WriteView {
      private final long beginRev;
      private int changes;

      private Txn(long beginRev) {
        this.beginRev = beginRev;
      }

      @Override
      public long rev() {
        return beginRev;
      }

      @Override
      public long firstRev() {
        return compactRev;
      }

      @Override
      public RangeResult range(KeyRange range, RangeOptions options) {
        return rangeKeys(tx, range, responseRevision(), options);
      }

      @Override
      public long put(ByteString key, ByteString value, long lease) {
        long main = beginRev + 1;
        byte[] k = key.toByteArray();
        KeyIndex.Hit prev = index.get(k, main);
        long oldLease = leases.leaseOf(k);
        KeyValue kv =
            KeyValue.newBuilder()
                .setKey(key)
                .setValue(value)
                .setCreateRevision(prev == null ? main : prev.created())
                .setModRevision(main)
                .setVersion(prev == null ? 1 : prev.version() + 1)
                .setLease(lease)
                .build();
        Revision r = new Revision(main, changes++);
        tx.append(Schema.KEY, r.toBytes(false), kv.toByteArray());
        index.put(k, r);
        if (oldLease != lease) {
          if (oldLease != 0) {
            leases.detach(oldLease, k);
          }
          if (lease != 0) {
            leases.attach(lease, k);
          }
        }
        events.add(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
        return main;
      }

      @Override
      public long deleteRange(KeyRange range) {
        List<byte[]> keys = index.liveKeys(range, responseRevision());
        long main = beginRev + 1;
        for (byte[] key : keys) {
          Revision r = new Revision(main, changes++);
          KeyValue tomb = KeyValue.newBuilder().setKey(ByteString.copyFrom(key)).build();
          tx.append(Schema.KEY, r.toBytes(true), tomb.toByteArray());
          index.tombstone(key, r);
          long oldLease = leases.leaseOf(key);
          if (oldLease != 0) {
            leases.detach(oldLease, key);
          }
          events.add(
              Event.newBuilder()
                  .setType(Event.EventType.DELETE)
                  .setKv(tomb.toBuilder().setModRevision(main))
                  .build());
        }
        return keys.size();
      }

      @Override
      public long responseRevision() {
        return changes > 0 ? beginRev + 1 : beginRev;
      }

      @Override
      public boolean changed() {
        return changes > 0;
      }

      /** Ends the request; its revision is taken if it changed anything. */
      public void end() {
        if (changes > 0) {
          rev = beginRev + 1;
        }
      }
    }
  }
}
