package dev.cairn.backup.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.backup.testing.Agent;
import dev.cairn.backup.testing.S3Server;
import dev.cairn.store.testing.CapturedRun;
import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreCluster;
import dev.cairn.store.testing.StoreNodeProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's whole life against real processes: a three-member cluster holding 100,000 keys is
 * backed up twice to a real S3 server, listed, pruned to one backup, and that backup restored into
 * three new members that form a new cluster with the same key space.
 */
class BackupRestoreTest {
  private static final int KEYS = 100_000;
  private static final String BUCKET = "backups";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void backupListPruneAndRestoreIntoANewCluster() throws Exception {
    try (S3Server s3 = S3Server.start()) {
      s3.createBucket(BUCKET);
      JsonNode kept;
      int hashAtBackup;
      long oldClusterId;
      try (StoreCluster cluster = StoreCluster.start(dir.resolve("old"), 3)) {
        cluster.awaitLeader(Duration.ofSeconds(30));
        String endpoints = String.join(",", cluster.endpoints());
        try (Client client =
            Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build()) {
          load(client.getKVClient());

          CapturedRun.Result first = backup(s3, endpoints);
          assertThat(first.exitCode()).as(first.output()).isZero();
          JsonNode one = JSON.readTree(first.stdout());
          // 100,000 keys make a snapshot of several parts at 5 MiB each.
          assertThat(one.get("size").asLong()).isGreaterThan(5L << 20);
          assertThat(one.get("size").asLong() % 512).isEqualTo(32);
          assertThat(one.get("key").asText()).startsWith("prod/").endsWith(".snapshot");
          assertThat(s3.etag(BUCKET, one.get("key").asText()))
              .as("uploaded in parts")
              .matches(".*-[0-9]+\"?");
          assertThat(first.stderr()).contains("uploaded " + one.get("key").asText());

          CapturedRun.Result listed = Agent.run(bucketFlags(s3, "list", "-w", "json"));
          assertThat(listed.exitCode()).as(listed.output()).isZero();
          JsonNode list = JSON.readTree(listed.stdout());
          assertThat(list).hasSize(1);
          assertThat(list.get(0).get("snapshotKey").asText()).isEqualTo(one.get("key").asText());
          assertThat(list.get(0).get("revision").asLong()).isEqualTo(one.get("revision").asLong());
          assertThat(list.get(0).get("sha256").asText()).isEqualTo(one.get("sha256").asText());

          client
              .getKVClient()
              .put(bytes("after-first-backup"), bytes("x"))
              .get(10, TimeUnit.SECONDS);
          CapturedRun.Result second = backup(s3, endpoints);
          assertThat(second.exitCode()).as(second.output()).isZero();
          kept = JSON.readTree(second.stdout());
          assertThat(kept.get("revision").asLong()).isGreaterThan(one.get("revision").asLong());

          CapturedRun.Result simple = Agent.run(bucketFlags(s3, "list"));
          assertThat(simple.stdout().lines().toList())
              .hasSize(2)
              .first()
              .asString()
              .startsWith(kept.get("key").asText() + ", ");

          CapturedRun.Result dry =
              Agent.run(bucketFlags(s3, "prune", "--keep-last=1", "--dry-run"));
          assertThat(dry.exitCode()).as(dry.output()).isZero();
          assertThat(dry.stdout()).startsWith("would delete " + one.get("key").asText());
          assertThat(s3.keys(BUCKET)).hasSize(4);

          CapturedRun.Result pruned = Agent.run(bucketFlags(s3, "prune", "--keep-last=1"));
          assertThat(pruned.exitCode()).as(pruned.output()).isZero();
          assertThat(pruned.stdout().lines())
              .containsExactly("deleted " + simple.stdout().lines().toList().get(1));
          assertThat(s3.keys(BUCKET))
              .containsExactly(kept.get("manifest").asText(), kept.get("key").asText());

          String ep = cluster.member(0).endpoint();
          hashAtBackup =
              client
                  .getMaintenanceClient()
                  .hashKV(ep, kept.get("revision").asLong())
                  .get(10, TimeUnit.SECONDS)
                  .getHash();
          oldClusterId =
              client
                  .getKVClient()
                  .get(bytes("k"))
                  .get(10, TimeUnit.SECONDS)
                  .getHeader()
                  .getClusterId();
        }
      }

      restoreAndServe(s3, kept, hashAtBackup, oldClusterId);
    }
  }

  private void restoreAndServe(S3Server s3, JsonNode backup, int hash, long oldClusterId)
      throws Exception {
    long revision = backup.get("revision").asLong();
    int[] peerPorts = {Ports.free(), Ports.free(), Ports.free()};
    StringJoiner initial = new StringJoiner(",");
    for (int i = 0; i < 3; i++) {
      initial.add("r" + (i + 1) + "=http://127.0.0.1:" + peerPorts[i]);
    }
    for (int i = 0; i < 3; i++) {
      String name = "r" + (i + 1);
      CapturedRun.Result r =
          Agent.run(
              bucketFlags(
                  s3,
                  "restore",
                  "--key=" + backup.get("key").asText(),
                  "--name=" + name,
                  "--data-dir=" + dir.resolve("new").resolve(name),
                  "--initial-cluster=" + initial,
                  "--initial-cluster-token=restored",
                  "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPorts[i]));
      assertThat(r.exitCode()).as(r.output()).isZero();
    }
    List<StoreNodeProcess> restored = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        String name = "r" + (i + 1);
        restored.add(
            StoreNodeProcess.start(
                dir.resolve("new").resolve(name),
                Ports.free(),
                peerPorts[i],
                Map.of(),
                List.of(
                    "--name=" + name,
                    "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPorts[i],
                    "--initial-cluster=" + initial,
                    "--initial-cluster-token=restored")));
      }
      List<String> endpoints = restored.stream().map(StoreNodeProcess::endpoint).toList();
      try (Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
        KV kv = client.getKVClient();
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(
                () ->
                    kv.put(bytes("written-after-restore"), bytes("y")).get(5, TimeUnit.SECONDS)
                        != null);
        var header = kv.get(bytes("k")).get(10, TimeUnit.SECONDS).getHeader();
        assertThat(header.getClusterId()).isNotEqualTo(oldClusterId);
        assertThat(
                kv.get(
                        bytes("key-"),
                        GetOption.builder().isPrefix(true).withCountOnly(true).build())
                    .get(10, TimeUnit.SECONDS)
                    .getCount())
            .isEqualTo(KEYS);
        assertThat(kv.get(bytes("after-first-backup")).get(10, TimeUnit.SECONDS).getCount())
            .isEqualTo(1);
        for (String ep : endpoints) {
          assertThat(
                  client
                      .getMaintenanceClient()
                      .hashKV(ep, revision)
                      .get(10, TimeUnit.SECONDS)
                      .getHash())
              .as("HashKV at revision " + revision + " on " + ep)
              .isEqualTo(hash);
        }
      }
    } finally {
      restored.forEach(StoreNodeProcess::close);
    }
  }

  private CapturedRun.Result backup(S3Server s3, String endpoints) {
    return Agent.run(
        bucketFlags(
            s3,
            "backup",
            "--endpoints=" + endpoints,
            "--part-size=5",
            "--progress-interval=4",
            "--tmp-dir=" + dir.resolve("tmp")));
  }

  private static String[] bucketFlags(S3Server s3, String... command) {
    List<String> args = new ArrayList<>(List.of(command));
    args.add("--bucket=" + BUCKET);
    args.add("--prefix=prod");
    args.add("--s3-endpoint=" + s3.endpoint());
    args.add("--path-style");
    return args.toArray(String[]::new);
  }

  /** 100,000 keys in transactions of 100 puts, a few in flight at a time. */
  private static void load(KV kv) throws Exception {
    Semaphore inFlight = new Semaphore(16);
    List<CompletableFuture<?>> all = new ArrayList<>();
    String pad = "v".repeat(48);
    for (int t = 0; t < KEYS / 100; t++) {
      Op[] ops = new Op[100];
      for (int i = 0; i < 100; i++) {
        int n = t * 100 + i;
        ops[i] = Op.put(bytes(String.format("key-%06d", n)), bytes(n + pad), PutOption.DEFAULT);
      }
      inFlight.acquire();
      all.add(kv.txn().Then(ops).commit().whenComplete((r, e) -> inFlight.release()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
