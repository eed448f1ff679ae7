package dev.cairn.store.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.linearizability.CheckResult;
import dev.cairn.store.linearizability.History;
import dev.cairn.store.linearizability.KvInput;
import dev.cairn.store.linearizability.KvOutput;
import dev.cairn.store.linearizability.KvWorkload;
import dev.cairn.store.linearizability.LinearizabilityAssertions;
import dev.cairn.store.testing.StoreCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent Put, Get, Delete and compare-and-swap Txn from several clients against a real cluster
 * of store-node processes, while members are killed with SIGKILL, restarted and cut off from their
 * peers; the whole history, with a final read of every key after every member was killed at once
 * and restarted, must be linearizable. A lost acknowledged write, a stale read from a deposed
 * leader or a write applied twice all make it fail.
 */
class ClusterLinearizabilityTest {
  private static final long SEED = Long.getLong("cairn.nemesis.seed", 20261122L);

  @TempDir Path dir;

  @Test
  void threeMembersUnderKillsAndPartitions() throws Exception {
    check(3, Duration.ofSeconds(25), SEED);
  }

  @Test
  @Tag("slow")
  void fiveMembersUnderKillsAndPartitionsForLonger() throws Exception {
    check(5, Duration.ofMinutes(3), SEED + 1);
  }

  @Test
  @Tag("slow")
  void threeMembersUnderKillsAndPartitionsForLonger() throws Exception {
    check(3, Duration.ofMinutes(3), SEED + 2);
  }

  private void check(int size, Duration faults, long seed) throws Exception {
    List<String> keys = List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7");
    try (StoreCluster cluster =
        StoreCluster.start(dir, size, "--heartbeat-interval=50", "--election-timeout=500")) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      KvWorkload workload =
          KvWorkload.builder(cluster.endpoints())
              .clients(2 * size)
              .keys(keys)
              .connection(KvWorkload.Connection.ONE_ENDPOINT)
              .opTimeout(Duration.ofSeconds(2))
              .duration(faults.plusMinutes(5))
              .seed(seed)
              .build()
              .start();
      Nemesis nemesis = new Nemesis(cluster, seed);
      nemesis.run(faults);
      nemesis.repairAll();
      cluster.awaitLeader(Duration.ofSeconds(30));
      History<KvInput, KvOutput> history = workload.stop();
      KvWorkload.Counts counts = workload.counts();

      // Every member dies at once; every acknowledged write must still be there.
      for (int i = 0; i < size; i++) {
        cluster.member(i).kill9();
      }
      for (int i = 0; i < size; i++) {
        cluster.member(i).restart();
      }
      cluster.awaitLeader(Duration.ofSeconds(30));
      readEveryKey(cluster, keys, history, 1000);

      System.out.printf(
          "%d members, seed %d: %d operations completed, %d unknown, %d failed reads; faults:%n  %s%n",
          size,
          seed,
          counts.completed(),
          counts.unknown(),
          counts.failedReads(),
          String.join("\n  ", nemesis.log()));
      assertThat(nemesis.faultsApplied()).isGreaterThanOrEqualTo(3);
      assertThat(counts.completed()).isGreaterThan(200);
      CheckResult result = LinearizabilityAssertions.assertLinearizable(history);
      System.out.println("linearizability check: " + result);
    }
  }

  /** Reads each key through each member, recorded in the history as a client of its own. */
  private static void readEveryKey(
      StoreCluster cluster, List<String> keys, History<KvInput, KvOutput> history, int client)
      throws Exception {
    for (int m = 0; m < cluster.size(); m++) {
      try (Client c = Client.builder().endpoints(cluster.member(m).endpoint()).build()) {
        for (String key : keys) {
          var call = history.call(client + m, new KvInput.Get(key));
          GetResponse r =
              c.getKVClient()
                  .get(ByteSequence.from(key, StandardCharsets.UTF_8))
                  .get(10, TimeUnit.SECONDS);
          String value =
              r.getKvs().isEmpty()
                  ? null
                  : r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
          call.returned(KvOutput.read(value));
        }
      }
    }
  }
}
