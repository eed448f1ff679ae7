package dev.cairn.store.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreCluster;
import dev.cairn.store.testing.StoreNodeProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raft snapshots: the log is compacted after --snapshot-count entries, and a member that joins
 * after the entries it needs are gone receives the leader's key space as a streamed snapshot, then
 * the log tail.
 */
class SnapshotCatchUpTest {
  @TempDir Path dir;

  @Test
  void aLearnerJoiningTwoHundredThousandKeysCatchesUpThroughAStreamedSnapshot() throws Exception {
    try (StoreCluster cluster =
        StoreCluster.start(
            dir,
            3,
            "--snapshot-count=500",
            "--snapshot-catchup-entries=100",
            "--heartbeat-interval=50",
            "--election-timeout=500")) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      try (Client client =
          Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build()) {
        writeKeys(client.getKVClient(), 200_000, 100);
        String peerUrl = "http://127.0.0.1:" + Ports.free();
        long id =
            client
                .getClusterClient()
                .addMember(List.of(URI.create(peerUrl)), true)
                .get(30, TimeUnit.SECONDS)
                .getMember()
                .getId();
        StoreNodeProcess learner = cluster.join("m4", peerUrl);
        // More writes while the learner catches up: it must get them after the snapshot.
        writeKeys(client.getKVClient(), 2_000, 10);
        long rev =
            client
                .getKVClient()
                .get(ByteSequence.from("k", StandardCharsets.UTF_8))
                .get(10, TimeUnit.SECONDS)
                .getHeader()
                .getRevision();
        // A learner answers only serializable reads: its key space is compared once promoted,
        // which it can be only once caught up.
        await()
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(500))
            .ignoreExceptions()
            .untilAsserted(
                () -> client.getClusterClient().promoteMember(id).get(10, TimeUnit.SECONDS));
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500))
            .ignoreExceptions()
            .untilAsserted(
                () -> {
                  List<Integer> hashes = new ArrayList<>();
                  for (int i = 0; i < cluster.size(); i++) {
                    String ep = cluster.member(i).endpoint();
                    hashes.add(
                        client
                            .getMaintenanceClient()
                            .hashKV(ep, rev)
                            .get(10, TimeUnit.SECONDS)
                            .getHash());
                  }
                  assertThat(hashes).hasSize(4).containsOnly(hashes.get(0));
                });
        assertThat(learner.log()).contains("installed the leader's snapshot");
      }
    }
  }

  @Test
  void theRaftLogStopsGrowingUnderSteadyLoad() throws Exception {
    try (StoreCluster cluster =
        StoreCluster.start(dir, 1, "--snapshot-count=1000", "--snapshot-catchup-entries=500")) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      Path raftDir = cluster.member(0).dataDir().resolve("member").resolve("raft");
      try (Client client = Client.builder().endpoints(cluster.member(0).endpoint()).build()) {
        overwrite(client.getKVClient(), 30_000);
        long afterFirst = sizeOf(raftDir);
        overwrite(client.getKVClient(), 30_000);
        overwrite(client.getKVClient(), 30_000);
        overwrite(client.getKVClient(), 30_000);
        // Four times the writes; without compaction the log would be about four times as large.
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(
                () -> assertThat(sizeOf(raftDir)).isLessThan(2 * afterFirst + (16L << 20)));
        System.out.printf(
            "raft log: %d bytes after 30,000 puts, %d after 120,000%n",
            afterFirst, sizeOf(raftDir));
      }
    }
  }

  /** Puts {@code count} distinct keys in transactions of {@code perTxn}, many in flight. */
  private static void writeKeys(KV kv, int count, int perTxn) throws Exception {
    Semaphore inFlight = new Semaphore(32);
    List<CompletableFuture<?>> all = new ArrayList<>();
    String value = "v".repeat(64);
    for (int i = 0; i < count; i += perTxn) {
      List<Op> ops = new ArrayList<>();
      for (int j = i; j < Math.min(count, i + perTxn); j++) {
        ops.add(
            Op.put(
                ByteSequence.from(String.format("key-%07d", j), StandardCharsets.UTF_8),
                ByteSequence.from(value + j, StandardCharsets.UTF_8),
                PutOption.DEFAULT));
      }
      inFlight.acquire();
      all.add(
          kv.txn()
              .Then(ops.toArray(Op[]::new))
              .commit()
              .whenComplete((r, e) -> inFlight.release()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
  }

  /** Overwrites 1,000 keys with 1 KiB values, {@code count} puts in all. */
  private static void overwrite(KV kv, int count) throws Exception {
    Semaphore inFlight = new Semaphore(64);
    List<CompletableFuture<?>> all = new ArrayList<>();
    ByteSequence value = ByteSequence.from(new byte[1024]);
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      all.add(
          kv.put(ByteSequence.from("hot-" + (i % 1000), StandardCharsets.UTF_8), value)
              .whenComplete((r, e) -> inFlight.release()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
  }

  private static long sizeOf(Path dir) {
    try (var files = Files.list(dir)) {
      return files.mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
