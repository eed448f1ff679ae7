package dev.cairn.store.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.store.lease.Lessor;
import dev.cairn.store.membership.Member;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.Schema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Raft log is the durability point: the key space can always be rebuilt from it. */
class LogReplayTest {
  private static final Member SELF =
      Member.bootstrap("default", List.of("http://localhost:2380"), "etcd-cluster");

  @TempDir Path dir;

  private StoreServer open() throws InterruptedException {
    StoreServer s =
        new StoreServer(
            Backend.open(dir.resolve("raft"), BackendConfig.raftLog(), Schema.RAFT_TABLES),
            Backend.open(dir.resolve("mvcc"), BackendConfig.mvcc(), Schema.MVCC_TABLES),
            new Lessor(System::nanoTime, 2, Duration.ofSeconds(7).toNanos()),
            new ServerOptions(
                SELF.id(),
                2,
                1 << 20,
                Duration.ofSeconds(10),
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                Duration.ofMinutes(10)),
            List.of(SELF),
            Peers.NONE);
    s.start();
    return s;
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static RangeResponse all(StoreServer s) throws Exception {
    return s.range(RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).build())
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void aLostKeySpaceIsRebuiltByReplayingTheLog() throws Exception {
    RangeResponse before;
    try (StoreServer s = open()) {
      for (int i = 0; i < 50; i++) {
        s.put(PutRequest.newBuilder().setKey(bs("k" + (i % 7))).setValue(bs("v" + i)).build())
            .get(10, TimeUnit.SECONDS);
      }
      s.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("k3")).build())
          .get(10, TimeUnit.SECONDS);
      before = all(s);
    }
    deleteTree(dir.resolve("mvcc"));

    try (StoreServer s = open()) {
      RangeResponse after = all(s);
      assertThat(after.getKvsList()).isEqualTo(before.getKvsList());
      assertThat(after.getHeader().getRevision()).isEqualTo(before.getHeader().getRevision());
    }
  }

  @Test
  void restartingAppliesNothingTwice() throws Exception {
    RangeResponse before;
    try (StoreServer s = open()) {
      s.put(PutRequest.newBuilder().setKey(bs("a")).setValue(bs("1")).build())
          .get(10, TimeUnit.SECONDS);
      s.put(PutRequest.newBuilder().setKey(bs("a")).setValue(bs("2")).build())
          .get(10, TimeUnit.SECONDS);
      before = all(s);
    }
    for (int i = 0; i < 3; i++) {
      try (StoreServer s = open()) {
        RangeResponse after = all(s);
        assertThat(after.getKvsList()).isEqualTo(before.getKvsList());
        assertThat(after.getKvs(0).getVersion()).isEqualTo(2);
        assertThat(after.getHeader().getRevision()).isEqualTo(3);
        // Each start campaigns once, at once, as the only voter.
        long term = 3 + i;
        await().atMost(Duration.ofSeconds(10)).until(() -> s.raftTerm() == term);
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (var walk = Files.walk(p)) {
      for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
