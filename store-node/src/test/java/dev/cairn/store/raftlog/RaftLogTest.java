package dev.cairn.store.raftlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.store.raft.Entry;
import dev.cairn.store.raft.HardState;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.storage.StorageException;
import dev.cairn.store.support.Bytes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftLogTest {
  @TempDir Path dir;

  private static Entry e(long index, long term, String data) {
    return Entry.normal(index, term, data.getBytes());
  }

  @Test
  void entriesAndHardStateSurviveReopening() {
    try (Backend b = Backend.open(dir, BackendConfig.raftLog(), Schema.RAFT_TABLES)) {
      RaftLog log = RaftLog.open(b);
      assertThat(log.isEmpty()).isTrue();
      log.append(List.of(e(1, 1, "a"), e(2, 1, "b")), new HardState(1, 7, 0));
      log.append(List.of(e(3, 2, "c")), null);
    }
    try (Backend b = Backend.open(dir, BackendConfig.raftLog(), Schema.RAFT_TABLES)) {
      RaftLog log = RaftLog.open(b);
      assertThat(log.lastIndex()).isEqualTo(3);
      assertThat(log.lastTerm()).isEqualTo(2);
      assertThat(log.hardState()).isEqualTo(new HardState(1, 7, 0));
      assertThat(log.entries(2, 3))
          .extracting(en -> new String(en.data()))
          .containsExactly("b", "c");
    }
  }

  @Test
  void appendingAtAnEarlierIndexReplacesTheTail() {
    try (Backend b = Backend.open(dir, BackendConfig.raftLog(), Schema.RAFT_TABLES)) {
      RaftLog log = RaftLog.open(b);
      log.append(List.of(e(1, 1, "a"), e(2, 1, "b"), e(3, 1, "c")), null);
      log.append(List.of(e(2, 2, "x")), null);
      assertThat(log.lastIndex()).isEqualTo(2);
      assertThat(log.entries(1, 2)).extracting(Entry::term).containsExactly(1L, 2L);
    }
  }

  @Test
  void aFlippedByteInAnEntryIsDetected() {
    try (Backend b = Backend.open(dir, BackendConfig.raftLog(), Schema.RAFT_TABLES)) {
      RaftLog log = RaftLog.open(b);
      log.append(List.of(e(1, 1, "hello")), null);
      byte[] stored;
      try (var tx = b.beginRead()) {
        stored = tx.get(Schema.RAFT_LOG, Bytes.longBytes(1));
      }
      stored[stored.length - 1] ^= 0x01;
      try (var tx = b.beginWrite()) {
        tx.put(Schema.RAFT_LOG, Bytes.longBytes(1), stored);
        tx.commit();
      }
      assertThatThrownBy(() -> log.entries(1, 1))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("checksum");
    }
  }

  @Test
  void theIdentityIsEmptyForANewLogAndSurvivesReopening() {
    try (Backend b = Backend.open(dir, BackendConfig.raftLog(), Schema.RAFT_TABLES)) {
      RaftLog log = RaftLog.open(b);
      assertThat(log.identity()).isEmpty();
      log.saveIdentity(0x8e9e05c52164694dL, 0xcdf818194e3a8c32L);
      log.append(List.of(e(1, 1, "a")), new HardState(1, 0x8e9e05c52164694dL, 1));
      assertThat(log.identity())
          .contains(new RaftLog.Identity(0x8e9e05c52164694dL, 0xcdf818194e3a8c32L));
    }
    try (Backend b = Backend.open(dir, BackendConfig.raftLog(), Schema.RAFT_TABLES)) {
      RaftLog log = RaftLog.open(b);
      assertThat(log.identity())
          .contains(new RaftLog.Identity(0x8e9e05c52164694dL, 0xcdf818194e3a8c32L));
      assertThat(log.hardState()).isEqualTo(new HardState(1, 0x8e9e05c52164694dL, 1));
      try (var tx = b.beginRead()) {
        assertThat(tx.get(Schema.RAFT_STATE, Schema.CLUSTER_IDENTITY)).hasSize(16);
      }
    }
  }

  @Test
  void aLogKeepsItsIdentity() {
    try (Backend b = Backend.open(dir, BackendConfig.raftLog(), Schema.RAFT_TABLES)) {
      RaftLog log = RaftLog.open(b);
      log.saveIdentity(1, 2);
      log.saveIdentity(1, 2);
      assertThatThrownBy(() -> log.saveIdentity(1, 3))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "raft log belongs to member 1 of cluster 2; it cannot become member 1 of cluster 3");
      assertThatThrownBy(() -> log.saveIdentity(0, 2)).isInstanceOf(IllegalArgumentException.class);
      assertThat(log.identity()).contains(new RaftLog.Identity(1, 2));
    }
  }

  @Test
  void aTruncatedIdentityIsReported() {
    try (Backend b = Backend.open(dir, BackendConfig.raftLog(), Schema.RAFT_TABLES)) {
      try (var tx = b.beginWrite()) {
        tx.put(Schema.RAFT_STATE, Schema.CLUSTER_IDENTITY, new byte[8]);
        tx.commit();
      }
      assertThatThrownBy(() -> RaftLog.open(b))
          .isInstanceOf(StorageException.class)
          .hasMessage("cluster identity has 8 bytes, not 16");
    }
  }
}
