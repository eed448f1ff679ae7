package dev.cairn.store.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.ReadTx;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.storage.Table;
import dev.cairn.store.storage.WriteTx;
import dev.cairn.store.support.Bytes;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotsTest {
  @TempDir Path dir;

  @Test
  void fiftyThousandKeysRoundTripThroughSaveAndInstall() throws Exception {
    Path file = dir.resolve("snap.db");
    SnapshotInfo saved;
    Map<String, List<String>> expected;
    try (Backend source = open("source")) {
      fill(source, 62_500, new Random(1));
      expected = dump(source);
      saved = Snapshots.save(source, file);
    }
    long size = Files.size(file);
    assertThat(size % 512).isEqualTo(32);
    assertThat(saved.totalSize()).isEqualTo(size);
    assertThat(saved.revision()).isEqualTo(62_500);
    // One revision in ten deletes the key written just before.
    assertThat(saved.totalKeys()).isEqualTo(50_000);
    assertThat(saved.consistentIndex()).isEqualTo(77);

    SnapshotInfo verified = Snapshots.verify(file);
    assertThat(verified).isEqualTo(saved);

    try (Backend target = open("target")) {
      // What the target held before is gone.
      try (WriteTx tx = target.beginWrite()) {
        tx.put(Schema.KEY, new byte[] {9, 9}, new byte[] {1});
        tx.put(Schema.ALARM, new byte[] {1}, new byte[0]);
        tx.commit();
      }
      assertThat(Snapshots.install(file, target)).isEqualTo(saved);
      assertThat(dump(target)).isEqualTo(expected);
    }
  }

  @Test
  void theHashIsEtcdutlsCrc32cOverTableNamesKeysAndValuesInNameOrder() throws Exception {
    try (Backend source = open("source")) {
      fill(source, 100, new Random(2));
      CRC32C crc = new CRC32C();
      List<Table> byName = new ArrayList<>(Schema.MVCC_TABLES);
      byName.sort((a, b) -> a.name().compareTo(b.name()));
      try (ReadTx tx = source.beginRead()) {
        for (Table t : byName) {
          crc.update(t.name().getBytes());
          tx.scan(
              t,
              null,
              (k, v) -> {
                crc.update(k);
                crc.update(v);
                return true;
              });
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      SnapshotInfo info = Snapshots.write(source, out);
      assertThat(info.hash()).isEqualTo((int) crc.getValue());
      assertThat(info.totalSize()).isEqualTo(out.size());
      byte[] bytes = out.toByteArray();
      byte[] content = Arrays.copyOf(bytes, bytes.length - 32);
      assertThat(Arrays.copyOfRange(bytes, bytes.length - 32, bytes.length))
          .isEqualTo(MessageDigest.getInstance("SHA-256").digest(content));
    }
  }

  @Test
  void aFlippedByteATruncatedFileAndAForeignFileAreRefusedByName() throws Exception {
    Path file = dir.resolve("snap.db");
    try (Backend source = open("source")) {
      fill(source, 2000, new Random(3));
      Snapshots.save(source, file);
    }
    byte[] good = Files.readAllBytes(file);

    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 0x10;
    Path corrupt = dir.resolve("corrupt.db");
    Files.write(corrupt, flipped);
    assertThatThrownBy(() -> Snapshots.verify(corrupt))
        .isInstanceOf(SnapshotException.class)
        .hasMessageStartingWith("snapshot file " + corrupt + " fails its SHA-256 check (expected ")
        .hasMessageContaining(", got ");

    Path truncated = dir.resolve("truncated.db");
    Files.write(truncated, Arrays.copyOf(good, good.length - 700));
    assertThatThrownBy(() -> Snapshots.verify(truncated))
        .isInstanceOf(SnapshotException.class)
        .hasMessageStartingWith("snapshot file " + truncated + " is truncated");

    Path foreign = dir.resolve("foreign.db");
    Files.write(foreign, new byte[544]);
    assertThatThrownBy(() -> Snapshots.verify(foreign))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("is not a Cairn snapshot");

    // A bad file leaves the target untouched.
    try (Backend target = open("target")) {
      try (WriteTx tx = target.beginWrite()) {
        tx.put(Schema.META, new byte[] {1}, new byte[] {2});
        tx.commit();
      }
      Map<String, List<String>> before = dump(target);
      for (Path bad : List.of(corrupt, truncated, foreign)) {
        assertThatThrownBy(() -> Snapshots.install(bad, target))
            .isInstanceOf(SnapshotException.class);
      }
      assertThat(dump(target)).isEqualTo(before);
    }
  }

  @Test
  void aTableTheTargetDoesNotHaveIsAnError() throws Exception {
    Path file = dir.resolve("snap.db");
    Table extra = new Table("extra");
    try (Backend source =
        Backend.open(
            dir.resolve("source"), BackendConfig.mvcc(), List.of(Schema.KEY, Schema.META, extra))) {
      try (WriteTx tx = source.beginWrite()) {
        tx.put(extra, new byte[] {1}, new byte[] {1});
        tx.commit();
      }
      Snapshots.save(source, file);
    }
    try (Backend target = open("target")) {
      assertThatThrownBy(() -> Snapshots.install(file, target))
          .isInstanceOf(SnapshotException.class)
          .hasMessageContaining("holds table 'extra', which this store does not have");
    }
  }

  @Test
  void restoringAsANewClusterDropsMembersAndAlarmsAndStartsTheLogOver() throws Exception {
    Path file = dir.resolve("snap.db");
    Map<String, List<String>> expected;
    try (Backend source = open("source")) {
      fill(source, 300, new Random(4));
      expected = dump(source);
      Snapshots.save(source, file);
    }
    try (Backend target = open("target")) {
      SnapshotInfo info = Snapshots.restoreAsNewCluster(file, target);
      assertThat(info.consistentIndex()).isEqualTo(77);
      Map<String, List<String>> restored = dump(target);
      assertThat(restored.get("members")).isEmpty();
      assertThat(restored.get("alarm")).isEmpty();
      assertThat(restored.get("key")).isEqualTo(expected.get("key"));
      assertThat(restored.get("lease")).isEqualTo(expected.get("lease"));
      try (ReadTx tx = target.beginRead()) {
        assertThat(Bytes.readLong(tx.get(Schema.META, Schema.CONSISTENT_INDEX), 0)).isZero();
        assertThat(Bytes.readLong(tx.get(Schema.META, Schema.TERM), 0)).isZero();
        assertThat(Bytes.readLong(tx.get(Schema.META, Schema.FINISHED_COMPACT_REV), 0))
            .isEqualTo(3);
      }
    }
  }

  @Test
  void aSaveWhileAWriterKeepsGoingIsOnePointInTime() throws Exception {
    // The writer moves a total between two tables in each transaction: any mix of two
    // points in time would break the sum.
    Table left = Schema.LEASE;
    Table right = Schema.ALARM;
    try (Backend source = open("source")) {
      try (WriteTx tx = source.beginWrite()) {
        for (int i = 0; i < 2000; i++) {
          tx.put(left, Bytes.longBytes(i), Bytes.longBytes(100));
          tx.put(right, Bytes.longBytes(i), Bytes.longBytes(0));
        }
        tx.commit();
      }
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong commits = new AtomicLong();
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                Random r = new Random(5);
                while (!stop.get()) {
                  try (WriteTx tx = source.beginWrite()) {
                    for (int j = 0; j < 20; j++) {
                      byte[] k = Bytes.longBytes(r.nextInt(2000));
                      long l = Bytes.readLong(tx.get(left, k), 0);
                      long rt = Bytes.readLong(tx.get(right, k), 0);
                      tx.put(left, k, Bytes.longBytes(l - 1));
                      tx.put(right, k, Bytes.longBytes(rt + 1));
                    }
                    tx.commit();
                  }
                  commits.incrementAndGet();
                }
              });
      for (int round = 0; round < 5; round++) {
        Path file = dir.resolve("snap-" + round + ".db");
        Snapshots.save(source, file);
        try (Backend copy = open("copy-" + round)) {
          Snapshots.install(file, copy);
          long[] sum = {0};
          try (ReadTx tx = copy.beginRead()) {
            for (Table t : List.of(left, right)) {
              tx.scan(
                  t,
                  null,
                  (k, v) -> {
                    sum[0] += Bytes.readLong(v, 0);
                    return true;
                  });
            }
          }
          assertThat(sum[0]).as("total in snapshot " + round).isEqualTo(200_000);
        }
      }
      stop.set(true);
      writer.get(30, TimeUnit.SECONDS);
      assertThat(commits.get()).isPositive();
    }
  }

  private Backend open(String name) {
    return Backend.open(dir.resolve(name), BackendConfig.mvcc(), Schema.MVCC_TABLES);
  }

  /**
   * {@code n} revisions of etcd-style records of varied sizes, every tenth deleting the key written
   * just before, plus leases, members, an alarm, and meta.
   */
  private static void fill(Backend b, int n, Random random) {
    try (WriteTx tx = b.beginWrite()) {
      for (int rev = 1; rev <= n; rev++) {
        boolean delete = rev % 10 == 0;
        String key = "key-" + (delete ? rev - 1 : rev);
        byte[] revKey = new byte[delete ? 18 : 17];
        Bytes.writeLong(revKey, 0, rev);
        revKey[8] = '_';
        if (delete) {
          revKey[17] = 't';
        }
        byte[] value =
            new byte[random.nextInt(10) == 0 ? 4000 + random.nextInt(4000) : random.nextInt(64)];
        random.nextBytes(value);
        KeyValue kv =
            delete
                ? KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).build()
                : KeyValue.newBuilder()
                    .setKey(ByteString.copyFromUtf8(key))
                    .setValue(ByteString.copyFrom(value))
                    .setCreateRevision(rev)
                    .setModRevision(rev)
                    .setVersion(1)
                    .build();
        tx.append(Schema.KEY, revKey, kv.toByteArray());
      }
      for (int i = 1; i <= 50; i++) {
        tx.put(Schema.LEASE, Bytes.longBytes(i), Bytes.longBytes(60));
      }
      tx.put(Schema.MEMBERS, Bytes.longBytes(42), new byte[] {1, 2, 3});
      tx.put(Schema.ALARM, new byte[16], new byte[0]);
      tx.put(Schema.META, Schema.CONSISTENT_INDEX, Bytes.longBytes(77));
      tx.put(Schema.META, Schema.TERM, Bytes.longBytes(4));
      tx.put(Schema.META, Schema.FINISHED_COMPACT_REV, Bytes.longBytes(3));
      tx.commit();
    }
  }

  /** Every table's records, as hex, in key order. */
  private static Map<String, List<String>> dump(Backend b) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    java.util.HexFormat hex = java.util.HexFormat.of();
    try (ReadTx tx = b.beginRead()) {
      for (Table t : b.tables()) {
        List<String> records = new ArrayList<>();
        tx.scan(
            t,
            null,
            (k, v) -> {
              records.add(hex.formatHex(k) + "=" + hex.formatHex(v));
              return true;
            });
        out.put(t.name(), records);
      }
    }
    return out;
  }
}
