package dev.cairn.store.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.CompactionRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.MaintenanceGrpc;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.ReadTx;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.storage.WriteTx;
import dev.cairn.store.support.Bytes;
import dev.cairn.store.support.KeyRange;
import dev.cairn.store.testing.EtcdRef;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvHasherTest {
  @TempDir Path dir;

  /** One step of a history: put, delete or compact. */
  private record Op(char kind, String key, String value, long rev) {
    static Op put(String k, String v) {
      return new Op('p', k, v, 0);
    }

    static Op del(String k) {
      return new Op('d', k, null, 0);
    }

    static Op compact(long rev) {
      return new Op('c', null, null, rev);
    }
  }

  /** An MVCC store on its own backend, written as the apply thread writes it. */
  private static final class Store implements AutoCloseable {
    final Backend backend;
    final MvccStore mvcc;
    long index;

    Store(Path dir) {
      backend = Backend.open(dir, BackendConfig.mvcc(), Schema.MVCC_TABLES);
      mvcc = MvccStore.open(backend);
    }

    void apply(List<Op> ops) {
      for (Op op : ops) {
        try (MvccStore.WriteBatch batch = mvcc.beginBatch()) {
          if (op.kind() == 'c') {
            batch.compact(op.rev());
          } else {
            MvccStore.WriteBatch.Txn t = batch.beginTxn();
            if (op.kind() == 'p') {
              t.put(ByteString.copyFromUtf8(op.key()), ByteString.copyFromUtf8(op.value()), 0);
            } else {
              t.deleteRange(KeyRange.of(op.key().getBytes(), null));
            }
            t.end();
          }
          batch.commit(++index, 1);
        }
      }
    }

    KvHasher.HashKv hashKv(long rev) {
      try (ReadTx tx = backend.beginRead()) {
        return KvHasher.hashKv(tx, rev, mvcc.compactRevision());
      }
    }

    int hash() {
      try (ReadTx tx = backend.beginRead()) {
        return KvHasher.hash(tx);
      }
    }

    @Override
    public void close() {
      backend.close();
    }
  }

  @Test
  void equalHistoriesHashEquallyAndADifferentValueDoesNot() {
    List<Op> history = randomHistory(new Random(11), 300, false);
    try (Store a = new Store(dir.resolve("a"));
        Store b = new Store(dir.resolve("b"));
        Store c = new Store(dir.resolve("c"))) {
      a.apply(history);
      b.apply(history);
      List<Op> changed = new ArrayList<>(history);
      int last = changed.size() - 1;
      while (changed.get(last).kind() != 'p') {
        last--;
      }
      changed.set(last, Op.put(changed.get(last).key(), changed.get(last).value() + "!"));
      c.apply(changed);
      long rev = a.mvcc.currentRevision();
      for (long r = 1; r <= rev; r += 7) {
        assertThat(a.hashKv(r)).isEqualTo(b.hashKv(r));
      }
      assertThat(a.hashKv(0)).isEqualTo(a.hashKv(rev));
      assertThat(a.hashKv(0).hashRevision()).isEqualTo(rev);
      assertThat(a.hashKv(0).compactRevision()).isEqualTo(-1);
      assertThat(c.hashKv(0).hash()).isNotEqualTo(a.hashKv(0).hash());
      // Before the changed write, c's history is a's.
      assertThat(c.hashKv(2).hash()).isEqualTo(a.hashKv(2).hash());
      assertThat(a.hash()).isEqualTo(b.hash());
      assertThat(c.hash()).isNotEqualTo(a.hash());
    }
  }

  @Test
  void withoutCompactionItIsTheCrcOfTheKeyTableUpToTheRevision() {
    try (Store s = new Store(dir.resolve("s"))) {
      s.apply(List.of(Op.put("a", "1"), Op.put("b", "2"), Op.del("a"), Op.put("a", "3")));
      CRC32C crc = new CRC32C();
      crc.update("key".getBytes());
      try (ReadTx tx = s.backend.beginRead()) {
        tx.scan(
            Schema.KEY,
            null,
            (k, v) -> {
              if (Bytes.readLong(k, 0) <= 4) {
                crc.update(k);
                crc.update(v);
              }
              return true;
            });
      }
      assertThat(s.hashKv(4)).isEqualTo(new KvHasher.HashKv((int) crc.getValue(), 4, -1));
    }
  }

  @Test
  void afterCompactionOnlyWhatACompactionWouldKeepCounts() {
    // rev 2 a=1, 3 b=1, 4 a=2, 5 del b, 6 c=1, 7 del c, 8 a=3; compact at 7.
    List<Op> ops =
        List.of(
            Op.put("a", "1"),
            Op.put("b", "1"),
            Op.put("a", "2"),
            Op.del("b"),
            Op.put("c", "1"),
            Op.del("c"));
    try (Store compacted = new Store(dir.resolve("compacted"));
        Store full = new Store(dir.resolve("full"))) {
      compacted.apply(ops);
      compacted.apply(List.of(Op.compact(7), Op.put("a", "3")));
      full.apply(ops);
      full.apply(List.of(Op.put("a", "3")));
      // Hashed: a@4 (what a compaction at 8 keeps of a before 7), and a@8; the tombstone of c at
      // the compaction revision is skipped.
      CRC32C crc = new CRC32C();
      crc.update("key".getBytes());
      try (ReadTx tx = full.backend.beginRead()) {
        for (long main : new long[] {4, 8}) {
          byte[] k = new Revision(main, 0).toBytes(false);
          crc.update(k);
          crc.update(tx.get(Schema.KEY, k));
        }
      }
      // At 8, a@4 is not what a's index keeps (a@8 is), so only a@8 counts.
      CRC32C at8 = new CRC32C();
      at8.update("key".getBytes());
      try (ReadTx tx = full.backend.beginRead()) {
        byte[] k = new Revision(8, 0).toBytes(false);
        at8.update(k);
        at8.update(tx.get(Schema.KEY, k));
      }
      assertThat(compacted.hashKv(8)).isEqualTo(new KvHasher.HashKv((int) at8.getValue(), 8, 7));
      CRC32C at7 = new CRC32C();
      at7.update("key".getBytes());
      try (ReadTx tx = full.backend.beginRead()) {
        byte[] k = new Revision(4, 0).toBytes(false);
        at7.update(k);
        at7.update(tx.get(Schema.KEY, k));
      }
      assertThat(compacted.hashKv(7)).isEqualTo(new KvHasher.HashKv((int) at7.getValue(), 7, 7));
    }
  }

  @Test
  void whenNoKeyExistsAtTheRevisionEveryRevisionUpToItCountsButTheCompactedTombstone() {
    try (Store s = new Store(dir.resolve("s"))) {
      // rev 2 a=1, 3 del a, 4 b=1, 5 del b; compact at 5.
      s.apply(List.of(Op.put("a", "1"), Op.del("a"), Op.put("b", "1"), Op.del("b"), Op.compact(5)));
      CRC32C crc = new CRC32C();
      crc.update("key".getBytes());
      // The compaction left only b's tombstone at 5, which the hash skips.
      assertThat(s.hashKv(5)).isEqualTo(new KvHasher.HashKv((int) crc.getValue(), 5, 5));
    }
  }

  @Test
  void theMemberHashLeavesOutTheAppliedIndexAndTerm() {
    List<Op> history = randomHistory(new Random(3), 50, false);
    try (Store a = new Store(dir.resolve("a"));
        Store b = new Store(dir.resolve("b"))) {
      a.apply(history);
      b.apply(history);
      try (WriteTx tx = b.backend.beginWrite()) {
        tx.put(Schema.META, Schema.CONSISTENT_INDEX, Bytes.longBytes(12345));
        tx.put(Schema.META, Schema.TERM, Bytes.longBytes(9));
        tx.commit();
      }
      assertThat(b.hash()).isEqualTo(a.hash());
      try (WriteTx tx = b.backend.beginWrite()) {
        tx.put(Schema.LEASE, Bytes.longBytes(1), Bytes.longBytes(60));
        tx.commit();
      }
      assertThat(b.hash()).isNotEqualTo(a.hash());
    }
  }

  /**
   * The same history through etcd's KV API and through MvccStore: etcd's HashKV and KvHasher agree
   * at every revision asked for, before and after compactions.
   */
  @Test
  void agreesWithEtcdsHashKv() throws Exception {
    List<Op> history = randomHistory(new Random(42), 400, true);
    try (EtcdRef etcd = EtcdRef.start(dir.resolve("etcd"), 1);
        Store cairn = new Store(dir.resolve("cairn"))) {
      URI u = URI.create(etcd.endpoint());
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress(u.getHost(), u.getPort()).usePlaintext().build();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
        MaintenanceGrpc.MaintenanceBlockingStub maintenance =
            MaintenanceGrpc.newBlockingStub(channel);
        int compared = 0;
        for (int i = 0; i < history.size(); i++) {
          Op op = history.get(i);
          switch (op.kind()) {
            case 'p' ->
                kv.put(
                    PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8(op.key()))
                        .setValue(ByteString.copyFromUtf8(op.value()))
                        .build());
            case 'd' ->
                kv.deleteRange(
                    DeleteRangeRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8(op.key()))
                        .build());
            default ->
                kv.compact(
                    CompactionRequest.newBuilder().setRevision(op.rev()).setPhysical(true).build());
          }
          cairn.apply(List.of(op));
          if (i % 25 == 24 || i == history.size() - 1) {
            long current = cairn.mvcc.currentRevision();
            long compact = cairn.mvcc.compactRevision();
            List<Long> revs = new ArrayList<>(List.of(0L, current));
            // The reference etcd (3.4.23) refuses a hash at the compaction revision itself.
            if (compact > 0 && compact < current) {
              revs.add(compact + 1);
              revs.add(compact + 1 + (current - compact - 1) / 2);
            }
            for (long rev : revs) {
              HashKVResponse theirs =
                  maintenance
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .hashKV(HashKVRequest.newBuilder().setRevision(rev).build());
              KvHasher.HashKv ours = cairn.hashKv(rev == 0 ? current : rev);
              assertThat(ours.hash())
                  .as("hash at revision %d (compacted at %d), after op %d", rev, compact, i)
                  .isEqualTo(theirs.getHash());
              assertThat(ours.compactRevision()).isEqualTo(theirs.getCompactRevision());
              assertThat(theirs.getHeader().getRevision()).isEqualTo(current);
              compared++;
            }
          }
        }
        assertThat(compared).isGreaterThan(30);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /**
   * Puts and deletes over a few keys, with values of varied lengths; with compactions when asked,
   * each at a revision between the previous one and the newest.
   */
  private static List<Op> randomHistory(Random random, int n, boolean compactions) {
    List<Op> ops = new ArrayList<>();
    List<String> live = new ArrayList<>();
    long rev = 1;
    long compacted = 0;
    for (int i = 0; i < n; i++) {
      int roll = random.nextInt(20);
      if (compactions && roll == 0 && rev > compacted + 1) {
        compacted = compacted + 1 + random.nextLong(rev - compacted);
        ops.add(Op.compact(compacted));
      } else if (roll < 5 && !live.isEmpty()) {
        String k = live.remove(random.nextInt(live.size()));
        ops.add(Op.del(k));
        rev++;
      } else {
        String k = "key-" + random.nextInt(30);
        ops.add(Op.put(k, "v".repeat(random.nextInt(40)) + i));
        if (!live.contains(k)) {
          live.add(k);
        }
        rev++;
      }
    }
    return ops;
  }
}
