package dev.cairn.store.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.support.KeyRange;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvccStoreTest {
  @TempDir Path dir;
  private Backend backend;
  private MvccStore store;
  private long index;

  @BeforeEach
  void open() {
    backend = Backend.open(dir, BackendConfig.mvcc(), Schema.MVCC_TABLES);
    store = MvccStore.open(backend);
  }

  @AfterEach
  void close() {
    backend.close();
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static KeyRange single(String k) {
    return KeyRange.of(k.getBytes(), null);
  }

  private interface Change {
    void apply(WriteView w);
  }

  /** One write request in its own batch, as the applier would run it. */
  private long write(Change c) {
    try (MvccStore.WriteBatch batch = store.beginBatch()) {
      MvccStore.WriteBatch.Txn t = batch.beginTxn();
      c.apply(t);
      t.end();
      batch.commit(++index, 1);
    }
    return store.currentRevision();
  }

  private RangeResult read(KeyRange r, RangeOptions o) {
    return store.read(v -> v.range(r, o));
  }

  @Test
  void anEmptyStoreIsAtRevisionOneAndTheFirstWriteGetsTwo() {
    assertThat(store.currentRevision()).isEqualTo(1);
    assertThat(write(w -> w.put(b("a"), b("1"), 0))).isEqualTo(2);
    KeyValue kv = read(single("a"), RangeOptions.ALL).kvs().get(0);
    assertThat(kv.getCreateRevision()).isEqualTo(2);
    assertThat(kv.getModRevision()).isEqualTo(2);
    assertThat(kv.getVersion()).isEqualTo(1);
  }

  @Test
  void oneRequestIsOneRevisionWhateverItChanges() {
    write(w -> w.put(b("a"), b("1"), 0));
    long rev =
        write(
            w -> {
              w.put(b("b"), b("2"), 0);
              w.put(b("c"), b("3"), 0);
              assertThat(w.deleteRange(single("a"))).isEqualTo(1);
            });
    assertThat(rev).isEqualTo(3);
    RangeResult all = read(KeyRange.of("a".getBytes(), new byte[] {0}), RangeOptions.ALL);
    assertThat(all.kvs()).extracting(kv -> kv.getKey().toStringUtf8()).containsExactly("b", "c");
    assertThat(all.kvs()).extracting(KeyValue::getModRevision).containsOnly(3L);
  }

  @Test
  void aDeleteOfNothingTakesNoRevision() {
    write(w -> w.put(b("a"), b("1"), 0));
    assertThat(write(w -> assertThat(w.deleteRange(single("zzz"))).isZero())).isEqualTo(2);
  }

  @Test
  void historyIsReadableUntilCompactedAndCountIgnoresLimit() {
    write(w -> w.put(b("a"), b("1"), 0));
    write(w -> w.put(b("a"), b("2"), 0));
    write(w -> w.put(b("b"), b("x"), 0));

    assertThat(read(single("a"), new RangeOptions(0, 2, false)).kvs().get(0).getValue())
        .isEqualTo(b("1"));
    RangeResult limited =
        read(KeyRange.of("a".getBytes(), new byte[] {0}), new RangeOptions(1, 0, false));
    assertThat(limited.kvs()).hasSize(1);
    assertThat(limited.count()).isEqualTo(2);
    assertThat(limited.rev()).isEqualTo(4);

    try (MvccStore.WriteBatch batch = store.beginBatch()) {
      batch.compact(3);
      batch.commit(++index, 1);
    }
    assertThatThrownBy(() -> read(single("a"), new RangeOptions(0, 2, false)))
        .isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).error())
        .isEqualTo(StoreError.COMPACTED);
    assertThat(read(single("a"), new RangeOptions(0, 3, false)).kvs().get(0).getValue())
        .isEqualTo(b("2"));
    assertThatThrownBy(() -> read(single("a"), new RangeOptions(0, 5, false)))
        .extracting(e -> ((StoreException) e).error())
        .isEqualTo(StoreError.FUTURE_REVISION);
  }

  @Test
  void compactionRemovesOldRevisionsFromDisk() {
    for (int i = 0; i < 10; i++) {
      int v = i;
      write(w -> w.put(b("a"), b("v" + v), 0));
    }
    try (MvccStore.WriteBatch batch = store.beginBatch()) {
      batch.compact(store.currentRevision());
      batch.commit(++index, 1);
    }
    int[] onDisk = {0};
    try (var tx = backend.beginRead()) {
      tx.scan(Schema.KEY, null, (k, v) -> ++onDisk[0] > 0);
    }
    assertThat(onDisk[0]).isEqualTo(1);
  }

  @Test
  void reopeningRebuildsTheIndexRevisionAndAppliedIndex() {
    write(w -> w.put(b("a"), b("1"), 0));
    write(w -> w.put(b("a"), b("2"), 0));
    write(w -> w.deleteRange(single("a")));
    write(w -> w.put(b("a"), b("3"), 0));
    write(w -> w.put(b("z"), b("9"), 0));
    try (MvccStore.WriteBatch batch = store.beginBatch()) {
      batch.compact(3);
      batch.commit(++index, 7);
    }
    backend.close();

    backend = Backend.open(dir, BackendConfig.mvcc(), Schema.MVCC_TABLES);
    store = MvccStore.open(backend);

    assertThat(store.currentRevision()).isEqualTo(6);
    assertThat(store.compactRevision()).isEqualTo(3);
    assertThat(store.appliedIndex()).isEqualTo(index);
    assertThat(store.appliedTerm()).isEqualTo(7);
    KeyValue a = read(single("a"), RangeOptions.ALL).kvs().get(0);
    assertThat(a.getValue()).isEqualTo(b("3"));
    assertThat(a.getVersion()).isEqualTo(1);
    assertThat(a.getCreateRevision()).isEqualTo(5);
    assertThat(read(single("a"), new RangeOptions(0, 4, false)).kvs()).isEmpty();
    assertThat(read(single("a"), new RangeOptions(0, 3, false)).kvs())
        .extracting(KeyValue::getValue)
        .containsExactly(b("2"));
  }

  @Test
  void readsInsideARequestSeeItsOwnChanges() {
    write(w -> w.put(b("a"), b("1"), 0));
    write(
        w -> {
          w.put(b("a"), b("2"), 0);
          List<KeyValue> seen = w.range(single("a"), RangeOptions.ALL).kvs();
          assertThat(seen).extracting(KeyValue::getValue).containsExactly(b("2"));
          assertThat(seen.get(0).getVersion()).isEqualTo(2);
        });
  }
}
