package dev.cairn.store.mvcc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.storage.ReadTx;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.storage.StorageException;
import dev.cairn.store.storage.Table;
import dev.cairn.store.support.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The hashes etcd members compare to find corruption, computed as etcd 3.6 computes them over the
 * same bytes (server/storage/mvcc/hash.go, server/storage/backend/backend.go): the key table holds
 * etcd's revision keys and KeyValue values, so equal histories hash equally on both.
 */
public final class KvHasher {
  private KvHasher() {}

  /**
   * @param hash CRC-32C, to be read as an unsigned 32-bit number
   * @param hashRevision the revision hashed up to
   * @param compactRevision the compaction revision the hash skips history before (-1: none)
   */
  public record HashKv(int hash, long hashRevision, long compactRevision) {}

  /**
   * etcd's HashKV: every revision with main revision in (compactRev, rev], plus those at or before
   * compactRev that a compaction at rev would keep (each key's revision visible at rev), except a
   * deletion exactly at compactRev.
   *
   * @param rev the revision to hash up to; 0 for the newest
   * @param compactRev the store's compaction revision, -1 when never compacted
   */
  public static HashKv hashKv(ReadTx tx, long rev, long compactRev) {
    if (rev == 0) {
      long[] last = {1};
      tx.scanBackwards(
          Schema.KEY,
          (k, v) -> {
            last[0] = Revision.fromBytes(k).main();
            return false;
          });
      rev = Math.max(last[0], Math.max(compactRev, 1));
    }
    long upTo = rev;
    // etcd's kvindex.Keep(rev): for each key that exists at rev, the revision visible then.
    // A revision is visible at rev when it is the key's newest at or before rev and no deletion.
    Map<Bytes, byte[]> newest = new HashMap<>();
    if (compactRev >= 0) {
      tx.scan(
          Schema.KEY,
          null,
          (k, v) -> {
            if (Revision.fromBytes(k).main() > upTo) {
              return false;
            }
            newest.put(Bytes.wrap(keyOf(v)), k);
            return true;
          });
    }
    java.util.Set<Revision> keep = new java.util.HashSet<>();
    for (byte[] revKey : newest.values()) {
      if (!Revision.isTombstone(revKey)) {
        keep.add(Revision.fromBytes(revKey));
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(Schema.KEY.name().getBytes(StandardCharsets.UTF_8));
    tx.scan(
        Schema.KEY,
        null,
        (k, v) -> {
          Revision r = Revision.fromBytes(k);
          if (r.main() > upTo) {
            return false;
          }
          if (r.main() <= compactRev && !keep.isEmpty() && !keep.contains(r)) {
            return true;
          }
          if (r.main() == compactRev && Revision.isTombstone(k)) {
            return true;
          }
          crc.update(k);
          crc.update(v);
          return true;
        });
    return new HashKv((int) crc.getValue(), rev, compactRev);
  }

  /**
   * etcd's Maintenance.Hash: every table's name and records, tables in name order, leaving out
   * meta's consistent index and term (which differ between members holding the same data).
   */
  public static int hash(ReadTx tx) {
    CRC32C crc = new CRC32C();
    List<Table> tables =
        Schema.MVCC_TABLES.stream()
            .sorted(
                (a, b) ->
                    Arrays.compareUnsigned(
                        a.name().getBytes(StandardCharsets.UTF_8),
                        b.name().getBytes(StandardCharsets.UTF_8)))
            .toList();
    for (Table t : tables) {
      crc.update(t.name().getBytes(StandardCharsets.UTF_8));
      boolean meta = t.equals(Schema.META);
      tx.scan(
          t,
          null,
          (k, v) -> {
            if (meta
                && (Arrays.equals(k, Schema.CONSISTENT_INDEX) || Arrays.equals(k, Schema.TERM))) {
              return true;
            }
            crc.update(k);
            crc.update(v);
            return true;
          });
    }
    return (int) crc.getValue();
  }

  private static byte[] keyOf(byte[] value) {
    try {
      return KeyValue.parseFrom(value).getKey().toByteArray();
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("unreadable key-value in the MVCC store", e);
    }
  }
}
