package dev.cairn.store.raftlog;

import dev.cairn.store.raft.ConfState;
import dev.cairn.store.raft.Entry;
import dev.cairn.store.raft.HardState;
import dev.cairn.store.raft.Snapshot;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.ReadTx;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.storage.StorageException;
import dev.cairn.store.storage.WriteTx;
import dev.cairn.store.support.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The Raft log, hard state and cluster identity on a durable backend: each {@link #append} is one
 * transaction and one fsync, however many entries it holds. Every entry carries a CRC32C of its
 * term, type and data, checked whenever it is read back, because the backend has no page checksums
 * of its own.
 *
 * <p>Entry value layout: crc32c (4) | term (8) | type (1) | data. Identity value layout: member id
 * (8) | cluster id (8).
 *
 * <p>Threading: {@link #append} and {@link #saveIdentity} from one writer thread; reads from any
 * thread.
 */
public final class RaftLog {
  private static final int HEADER = 13;

  private final Backend backend;
  private volatile long firstIndex = 1;
  private volatile long firstTerm;
  private volatile Snapshot snapshot;
  private volatile long lastIndex;
  private volatile long lastTerm;
  private volatile HardState hardState = HardState.EMPTY;
  private volatile Identity identity;

  /** The member and cluster a log belongs to. */
  public record Identity(long memberId, long clusterId) {}

  private RaftLog(Backend backend) {
    this.backend = backend;
  }

  public static RaftLog open(Backend backend) {
    RaftLog log = new RaftLog(backend);
    log.load();
    return log;
  }

  private void load() {
    try (ReadTx tx = backend.beginRead()) {
      byte[] hs = tx.get(Schema.RAFT_STATE, Schema.HARD_STATE);
      if (hs != null) {
        hardState =
            new HardState(Bytes.readLong(hs, 0), Bytes.readLong(hs, 8), Bytes.readLong(hs, 16));
      }
      byte[] id = tx.get(Schema.RAFT_STATE, Schema.CLUSTER_IDENTITY);
      if (id != null) {
        if (id.length != 16) {
          throw new StorageException("cluster identity has " + id.length + " bytes, not 16", null);
        }
        identity = new Identity(Bytes.readLong(id, 0), Bytes.readLong(id, 8));
      }
      byte[] first = tx.get(Schema.RAFT_STATE, Schema.FIRST_INDEX);
      if (first != null) {
        firstIndex = Bytes.readLong(first, 0);
      }
      byte[] ft = tx.get(Schema.RAFT_STATE, Schema.FIRST_TERM);
      if (ft != null) {
        firstTerm = Bytes.readLong(ft, 0);
      }
      byte[] snap = tx.get(Schema.RAFT_STATE, Schema.SNAPSHOT);
      if (snap != null) {
        snapshot = decodeSnapshot(snap);
      }
      tx.scanBackwards(
          Schema.RAFT_LOG,
          (k, v) -> {
            Entry e = decode(Bytes.readLong(k, 0), v);
            lastIndex = e.index();
            lastTerm = e.term();
            return false;
          });
    }
    if (lastIndex == 0 || lastIndex < firstIndex - 1) {
      lastIndex = firstIndex - 1;
      lastTerm = firstTerm;
    }
  }

  /** The latest snapshot recorded, or null. */
  public Snapshot snapshot() {
    return snapshot;
  }

  /** The term of the entry at {@code firstIndex() - 1}, which the log no longer holds. */
  public long firstTerm() {
    return firstTerm;
  }

  /**
   * Records a snapshot of the applied state and drops the entries up to {@code compactTo}, keeping
   * those after it for followers that are only a little behind. The caller guarantees the state
   * machine has durably applied everything up to the snapshot's index.
   */
  public void compact(Snapshot s, long compactTo) {
    long to = Math.min(compactTo, Math.min(s.index(), lastIndex));
    long from = firstIndex;
    long newFirstTerm = to >= from ? entries(to, to).get(0).term() : firstTerm;
    try (WriteTx tx = backend.beginWrite()) {
      tx.put(Schema.RAFT_STATE, Schema.SNAPSHOT, encodeSnapshot(s));
      if (to >= from) {
        for (long i = from; i <= to; i++) {
          tx.delete(Schema.RAFT_LOG, Bytes.longBytes(i));
        }
        tx.put(Schema.RAFT_STATE, Schema.FIRST_INDEX, Bytes.longBytes(to + 1));
        tx.put(Schema.RAFT_STATE, Schema.FIRST_TERM, Bytes.longBytes(newFirstTerm));
      }
      tx.commit();
    }
    snapshot = s;
    if (to >= from) {
      firstTerm = newFirstTerm;
      firstIndex = to + 1;
    }
  }

  /**
   * Replaces the whole log by a snapshot received from the leader: every entry goes, the log
   * continues after the snapshot's index. The state machine must already hold the snapshot.
   */
  public void installSnapshot(Snapshot s, HardState hs) {
    try (WriteTx tx = backend.beginWrite()) {
      List<byte[]> keys = new ArrayList<>();
      tx.scan(
          Schema.RAFT_LOG,
          null,
          (k, v) -> {
            keys.add(k);
            return true;
          });
      keys.forEach(k -> tx.delete(Schema.RAFT_LOG, k));
      tx.put(Schema.RAFT_STATE, Schema.SNAPSHOT, encodeSnapshot(s));
      tx.put(Schema.RAFT_STATE, Schema.FIRST_INDEX, Bytes.longBytes(s.index() + 1));
      tx.put(Schema.RAFT_STATE, Schema.FIRST_TERM, Bytes.longBytes(s.term()));
      if (hs != null) {
        tx.put(Schema.RAFT_STATE, Schema.HARD_STATE, encodeHardState(hs));
      }
      tx.commit();
    }
    snapshot = s;
    firstTerm = s.term();
    firstIndex = s.index() + 1;
    lastIndex = s.index();
    lastTerm = s.term();
    if (hs != null) {
      hardState = hs;
    }
  }

  private static byte[] encodeHardState(HardState hs) {
    byte[] b = new byte[24];
    Bytes.writeLong(b, 0, hs.term());
    Bytes.writeLong(b, 8, hs.vote());
    Bytes.writeLong(b, 16, hs.commit());
    return b;
  }

  /** index (8) | term (8) | voter count (4) | voters (8 each) | learner count (4) | learners. */
  static byte[] encodeSnapshot(Snapshot s) {
    ConfState c = s.conf();
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(24 + 8 * (c.voters().size() + c.learners().size()));
    b.putLong(s.index()).putLong(s.term());
    b.putInt(c.voters().size());
    c.voters().forEach(b::putLong);
    b.putInt(c.learners().size());
    c.learners().forEach(b::putLong);
    return b.array();
  }

  static Snapshot decodeSnapshot(byte[] v) {
    try {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(v);
      long index = b.getLong();
      long term = b.getLong();
      java.util.Set<Long> voters = new java.util.HashSet<>();
      for (int n = b.getInt(); n > 0; n--) {
        voters.add(b.getLong());
      }
      java.util.Set<Long> learners = new java.util.HashSet<>();
      for (int n = b.getInt(); n > 0; n--) {
        learners.add(b.getLong());
      }
      return new Snapshot(index, term, new ConfState(voters, learners), new byte[0]);
    } catch (java.nio.BufferUnderflowException e) {
      throw new StorageException("raft snapshot record is truncated", e);
    }
  }

  public HardState hardState() {
    return hardState;
  }

  /** The stored member and cluster ids; empty until {@link #saveIdentity} for a new log. */
  public Optional<Identity> identity() {
    return Optional.ofNullable(identity);
  }

  /**
   * Durably records the member and cluster this log belongs to, before it holds anything of theirs.
   * A log keeps its identity for good: saving the same one again does nothing, another one fails.
   */
  public void saveIdentity(long memberId, long clusterId) {
    if (memberId == 0) {
      throw new IllegalArgumentException("member id 0 is Raft's 'no member'");
    }
    Identity id = new Identity(memberId, clusterId);
    Identity stored = identity;
    if (stored != null) {
      if (!stored.equals(id)) {
        throw new IllegalStateException(
            "raft log belongs to member "
                + Long.toHexString(stored.memberId())
                + " of cluster "
                + Long.toHexString(stored.clusterId())
                + "; it cannot become member "
                + Long.toHexString(memberId)
                + " of cluster "
                + Long.toHexString(clusterId));
      }
      return;
    }
    byte[] b = new byte[16];
    Bytes.writeLong(b, 0, memberId);
    Bytes.writeLong(b, 8, clusterId);
    try (WriteTx tx = backend.beginWrite()) {
      tx.put(Schema.RAFT_STATE, Schema.CLUSTER_IDENTITY, b);
      tx.commit();
    }
    identity = id;
  }

  public long firstIndex() {
    return firstIndex;
  }

  public long lastIndex() {
    return lastIndex;
  }

  public long lastTerm() {
    return lastTerm;
  }

  public boolean isEmpty() {
    return lastIndex == 0 && hardState.equals(HardState.EMPTY);
  }

  /**
   * Durably appends entries (replacing any stored entries at or after the first one's index) and
   * the hard state, if given, in one transaction. Returns once both are on disk.
   */
  public void append(List<Entry> entries, HardState hs) {
    try (WriteTx tx = backend.beginWrite()) {
      if (!entries.isEmpty()) {
        long from = entries.get(0).index();
        for (long i = from; i <= lastIndex; i++) {
          tx.delete(Schema.RAFT_LOG, Bytes.longBytes(i));
        }
        for (Entry e : entries) {
          tx.append(Schema.RAFT_LOG, Bytes.longBytes(e.index()), encode(e));
        }
      }
      if (hs != null) {
        tx.put(Schema.RAFT_STATE, Schema.HARD_STATE, encodeHardState(hs));
      }
      tx.commit();
    }
    if (!entries.isEmpty()) {
      Entry last = entries.get(entries.size() - 1);
      lastIndex = last.index();
      lastTerm = last.term();
    }
    if (hs != null) {
      hardState = hs;
    }
  }

  /** Entries with index in [lo, hi], each verified against its checksum. */
  public List<Entry> entries(long lo, long hi) {
    List<Entry> out = new ArrayList<>();
    if (lo > hi) {
      return out;
    }
    try (ReadTx tx = backend.beginRead()) {
      tx.scan(
          Schema.RAFT_LOG,
          Bytes.longBytes(lo),
          (k, v) -> {
            long index = Bytes.readLong(k, 0);
            if (index > hi) {
              return false;
            }
            out.add(decode(index, v));
            return true;
          });
    }
    if (out.size() != hi - lo + 1 || (!out.isEmpty() && out.get(0).index() != lo)) {
      throw new StorageException("raft log is missing entries between " + lo + " and " + hi, null);
    }
    return out;
  }

  static byte[] encode(Entry e) {
    byte[] v = new byte[HEADER + e.data().length];
    Bytes.writeLong(v, 4, e.term());
    v[12] = (byte) e.type().ordinal();
    System.arraycopy(e.data(), 0, v, HEADER, e.data().length);
    CRC32C crc = new CRC32C();
    crc.update(v, 4, v.length - 4);
    int c = (int) crc.getValue();
    v[0] = (byte) (c >>> 24);
    v[1] = (byte) (c >>> 16);
    v[2] = (byte) (c >>> 8);
    v[3] = (byte) c;
    return v;
  }

  static Entry decode(long index, byte[] v) {
    if (v.length < HEADER) {
      throw new StorageException("raft log entry " + index + " is truncated", null);
    }
    CRC32C crc = new CRC32C();
    crc.update(v, 4, v.length - 4);
    int stored =
        ((v[0] & 0xFF) << 24) | ((v[1] & 0xFF) << 16) | ((v[2] & 0xFF) << 8) | (v[3] & 0xFF);
    if ((int) crc.getValue() != stored) {
      throw new StorageException("raft log entry " + index + " fails its checksum", null);
    }
    Entry.Type[] types = Entry.Type.values();
    int t = v[12];
    if (t < 0 || t >= types.length) {
      throw new StorageException("raft log entry " + index + " has unknown type " + t, null);
    }
    byte[] data = java.util.Arrays.copyOfRange(v, HEADER, v.length);
    return new Entry(index, Bytes.readLong(v, 4), types[t], data);
  }
}
