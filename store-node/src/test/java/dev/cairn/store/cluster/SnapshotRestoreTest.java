package dev.cairn.store.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.cli.StoreNodeMain;
import dev.cairn.store.testing.Etcdctl;
import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreCluster;
import dev.cairn.store.testing.StoreNodeProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore by hand: 'etcdctl snapshot save' from a member of a three-member cluster under
 * load, 'store-node snapshot restore' into three new data dirs, and a new cluster started on them
 * holds exactly the keys, values and revisions of the snapshot, under a new cluster id.
 */
class SnapshotRestoreTest {
  @TempDir Path dir;

  @Test
  void saveUnderLoadRestoreIntoThreeNewMembersAndServe() throws Exception {
    Etcdctl.assumeInstalled();
    Path file = dir.resolve("backup.db");
    long savedRevision;
    int savedHash;
    long oldClusterId;
    try (StoreCluster cluster = StoreCluster.start(dir.resolve("old"), 3)) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      String ep = cluster.member(0).endpoint();
      try (Client client =
          Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build()) {
        KV kv = client.getKVClient();
        List<CompletableFuture<?>> puts = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
          puts.add(kv.put(bytes("key-" + i), bytes("value-" + i)));
        }
        // Every key is acknowledged before the snapshot is taken.
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> load =
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; !stop.get(); i++) {
                    try {
                      kv.put(bytes("load-" + (i % 100)), bytes("v" + i)).get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                      return;
                    }
                  }
                });
        Etcdctl.Result saved = new Etcdctl(ep).run("snapshot", "save", file.toString());
        stop.set(true);
        load.get(30, TimeUnit.SECONDS);
        assertThat(saved.exitCode()).as(saved.stderr()).isZero();
        assertThat(Files.size(file) % 512).isEqualTo(32);

        Etcdctl.Result status = run("snapshot", "status", file.toString(), "-w", "json");
        assertThat(status.exitCode()).as(status.stderr()).isZero();
        savedRevision = jsonLong(status.stdout(), "revision");
        savedHash =
            client
                .getMaintenanceClient()
                .hashKV(ep, savedRevision)
                .get(10, TimeUnit.SECONDS)
                .getHash();
        oldClusterId = kv.get(bytes("k")).get(10, TimeUnit.SECONDS).getHeader().getClusterId();
      }
    }

    int[] peerPorts = {Ports.free(), Ports.free(), Ports.free()};
    StringJoiner initial = new StringJoiner(",");
    for (int i = 0; i < 3; i++) {
      initial.add("r" + (i + 1) + "=http://127.0.0.1:" + peerPorts[i]);
    }
    List<StoreNodeProcess> restored = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        String name = "r" + (i + 1);
        Path data = dir.resolve("new").resolve(name);
        String peer = "http://127.0.0.1:" + peerPorts[i];
        Etcdctl.Result r =
            run(
                "snapshot",
                "restore",
                file.toString(),
                "--name=" + name,
                "--data-dir=" + data,
                "--initial-cluster=" + initial,
                "--initial-cluster-token=restored",
                "--initial-advertise-peer-urls=" + peer);
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
      }
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
        // The new cluster has a leader and serves writes.
        org.awaitility.Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> kv.put(bytes("new"), bytes("write")).get(5, TimeUnit.SECONDS) != null);
        assertThat(kv.get(bytes("key-4999")).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue())
            .isEqualTo(bytes("value-4999"));
        var header = kv.get(bytes("k")).get(10, TimeUnit.SECONDS).getHeader();
        assertThat(header.getClusterId()).isNotEqualTo(oldClusterId);
        assertThat(header.getRevision()).isGreaterThan(savedRevision);
        for (String ep : endpoints) {
          assertThat(
                  client
                      .getMaintenanceClient()
                      .hashKV(ep, savedRevision)
                      .get(10, TimeUnit.SECONDS)
                      .getHash())
              .as("HashKV at the snapshot's revision on " + ep)
              .isEqualTo(savedHash);
        }
      }
    } finally {
      restored.forEach(StoreNodeProcess::close);
    }
  }

  @Test
  void aCorruptOrTruncatedSnapshotIsRefusedByStatusAndRestore() throws Exception {
    Path file = dir.resolve("backup.db");
    try (StoreCluster cluster = StoreCluster.start(dir.resolve("old"), 1)) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      try (Client client = Client.builder().endpoints(cluster.member(0).endpoint()).build()) {
        for (int i = 0; i < 100; i++) {
          client.getKVClient().put(bytes("key-" + i), bytes("v")).get(10, TimeUnit.SECONDS);
        }
      }
      Etcdctl.Result saved =
          run("snapshot", "save", "--endpoints=" + cluster.member(0).endpoint(), file.toString());
      assertThat(saved.exitCode()).as(saved.stdout() + saved.stderr()).isZero();
    }
    byte[] good = Files.readAllBytes(file);
    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 0x40;
    Path corrupt = dir.resolve("corrupt.db");
    Files.write(corrupt, flipped);
    Path truncated = dir.resolve("truncated.db");
    Files.write(truncated, java.util.Arrays.copyOf(good, good.length - 700));

    for (Path bad : List.of(corrupt, truncated)) {
      Etcdctl.Result status = run("snapshot", "status", bad.toString());
      assertThat(status.exitCode()).isNotZero();
      assertThat(status.stderr()).contains(bad.getFileName().toString());
      Path data = dir.resolve("restore-" + bad.getFileName());
      Etcdctl.Result restore =
          run(
              "snapshot",
              "restore",
              bad.toString(),
              "--name=r1",
              "--data-dir=" + data,
              "--initial-cluster=r1=http://127.0.0.1:2380",
              "--initial-advertise-peer-urls=http://127.0.0.1:2380");
      assertThat(restore.exitCode()).isNotZero();
      assertThat(restore.stderr()).contains(bad.getFileName().toString());
      assertThat(data.resolve("member")).doesNotExist();
    }
  }

  /** Runs 'store-node' in this JVM, capturing what it prints. */
  private static Etcdctl.Result run(String... args) {
    var out = new java.io.ByteArrayOutputStream();
    var err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream oldOut = System.out;
    java.io.PrintStream oldErr = System.err;
    int code;
    synchronized (System.class) {
      System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
      try {
        code = StoreNodeMain.run(args);
      } finally {
        System.setOut(oldOut);
        System.setErr(oldErr);
      }
    }
    return new Etcdctl.Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static long jsonLong(String json, String field) {
    var m = java.util.regex.Pattern.compile("\"" + field + "\"\\s*:\\s*\"?(\\d+)").matcher(json);
    assertThat(m.find()).as(field + " in " + json).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
