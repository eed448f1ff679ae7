package dev.cairn.store.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.support.Bytes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendTest {
  private static final Table A = new Table("a");
  private static final Table B = new Table("b");

  @TempDir Path dir;

  @Test
  void tablesAreThoseItWasOpenedWith() {
    try (Backend b = Backend.open(dir, BackendConfig.mvcc(), Schema.MVCC_TABLES)) {
      assertThat(b.tables()).containsExactlyElementsOf(Schema.MVCC_TABLES);
    }
  }

  @Test
  void clearEmptiesOneTableAndLaterPutsInTheSameTransactionStay() {
    try (Backend b = Backend.open(dir, BackendConfig.mvcc(), List.of(A, B))) {
      try (WriteTx tx = b.beginWrite()) {
        for (int i = 0; i < 1000; i++) {
          tx.put(A, Bytes.longBytes(i), Bytes.longBytes(i));
          tx.put(B, Bytes.longBytes(i), Bytes.longBytes(i));
        }
        tx.commit();
      }
      try (ReadTx before = b.beginRead();
          WriteTx tx = b.beginWrite()) {
        tx.clear(A);
        assertThat(count(tx, A)).isZero();
        tx.put(A, Bytes.longBytes(5000), Bytes.longBytes(1));
        tx.put(A, Bytes.longBytes(7), Bytes.longBytes(2));
        tx.commit();
        // A reader that began earlier still sees the old table.
        assertThat(count(before, A)).isEqualTo(1000);
      }
      try (ReadTx tx = b.beginRead()) {
        assertThat(count(tx, A)).isEqualTo(2);
        assertThat(Bytes.readLong(tx.get(A, Bytes.longBytes(7)), 0)).isEqualTo(2);
        assertThat(tx.get(A, Bytes.longBytes(8))).isNull();
        assertThat(count(tx, B)).isEqualTo(1000);
      }
    }
  }

  @Test
  void clearThenAbortLeavesTheTableAsItWas() {
    try (Backend b = Backend.open(dir, BackendConfig.mvcc(), List.of(A))) {
      try (WriteTx tx = b.beginWrite()) {
        tx.put(A, Bytes.longBytes(1), Bytes.longBytes(1));
        tx.commit();
      }
      try (WriteTx tx = b.beginWrite()) {
        tx.clear(A);
      }
      try (ReadTx tx = b.beginRead()) {
        assertThat(count(tx, A)).isEqualTo(1);
      }
    }
  }

  @Test
  void defragmentGivesBackTheSpaceOfDeletedDataWhileReadersAndAWriterGoOn() throws Exception {
    // Small files, so that most of the data sits in files the cleaner may rewrite.
    BackendConfig config = new BackendConfig(false, 32L << 20, 1024);
    try (Backend b = Backend.open(dir, config, List.of(A, B))) {
      Random random = new Random(7);
      byte[] value = new byte[1000];
      for (int batch = 0; batch < 20; batch++) {
        try (WriteTx tx = b.beginWrite()) {
          for (int i = 0; i < 1000; i++) {
            random.nextBytes(value);
            tx.put(A, Bytes.longBytes(batch * 1000L + i), value);
          }
          tx.commit();
        }
      }
      // Keep one key in fifty; overwrite another table a few times.
      try (WriteTx tx = b.beginWrite()) {
        for (long k = 0; k < 20_000; k++) {
          if (k % 50 != 0) {
            tx.delete(A, Bytes.longBytes(k));
          }
        }
        tx.commit();
      }
      b.sync();
      long before = b.diskBytes();
      assertThat(before).isGreaterThan(18_000_000L);

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong written = new AtomicLong();
      // The writer: one exclusive transaction at a time, as the apply thread works.
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                long n = 0;
                while (!stop.get()) {
                  try (WriteTx tx = b.beginWrite()) {
                    tx.put(B, Bytes.longBytes(n % 100), Bytes.longBytes(n));
                    tx.commit();
                  }
                  n++;
                  written.set(n);
                }
              });
      CompletableFuture<Void> reader =
          CompletableFuture.runAsync(
              () -> {
                while (!stop.get()) {
                  try (ReadTx tx = b.beginRead()) {
                    assertThat(count(tx, A)).isEqualTo(400);
                  }
                }
              });
      b.defragment();
      stop.set(true);
      writer.get(30, TimeUnit.SECONDS);
      reader.get(30, TimeUnit.SECONDS);
      assertThat(written.get()).isPositive();

      long after = b.diskBytes();
      assertThat(after).as("bytes on disk after defragmenting").isLessThan(before / 4);
      assertThat(b.inUseBytes()).isBetween(1L, after);
      try (ReadTx tx = b.beginRead()) {
        List<Long> keys = new ArrayList<>();
        tx.scan(
            A,
            null,
            (k, v) -> {
              keys.add(Bytes.readLong(k, 0));
              assertThat(v).hasSize(1000);
              return true;
            });
        assertThat(keys).hasSize(400).allMatch(k -> k % 50 == 0);
        assertThat(Bytes.readLong(tx.get(B, Bytes.longBytes((written.get() - 1) % 100)), 0))
            .isEqualTo(written.get() - 1);
      }
    }
    // And it all reopens.
    try (Backend b = Backend.open(dir, config, List.of(A, B));
        ReadTx tx = b.beginRead()) {
      assertThat(count(tx, A)).isEqualTo(400);
    }
  }

  private static long count(ReadTx tx, Table t) {
    long[] n = {0};
    tx.scan(
        t,
        null,
        (k, v) -> {
          n[0]++;
          return true;
        });
    return n[0];
  }
}
