package dev.cairn.backup.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.backup.job.BackupJob;
import dev.cairn.backup.manifest.BackupKeys;
import dev.cairn.backup.objectstore.ObjectStore;
import dev.cairn.backup.objectstore.S3ObjectStore;
import dev.cairn.backup.snapshot.MaintenanceSnapshotSource;
import dev.cairn.backup.snapshot.SnapshotSource;
import dev.cairn.backup.testing.Agent;
import dev.cairn.backup.testing.S3Server;
import dev.cairn.store.testing.CapturedRun;
import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a backup or restore can fail ends with a message that says why, a non-zero exit, and
 * nothing in the bucket that looks like a backup.
 */
class BackupFailureTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path shared;
  @TempDir Path dir;

  private static S3Server s3;
  private static StoreCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3Server.start();
    cluster = StoreCluster.start(shared.resolve("cluster"), 1);
    cluster.awaitLeader(Duration.ofSeconds(30));
    try (Client c =
        Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build()) {
      List<CompletableFuture<?>> puts = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        puts.add(c.getKVClient().put(bytes("key-" + i), bytes("value-" + i)));
      }
      CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void noMemberReachable() {
    String bucket = bucket("unreachable");
    CapturedRun.Result r =
        Agent.run(
            flags(
                bucket,
                "backup",
                "--endpoints=http://127.0.0.1:"
                    + Ports.free()
                    + ",http://127.0.0.1:"
                    + Ports.free(),
                "--dial-timeout=2s"));
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.stderr()).contains("backup-agent: no member can take a snapshot");
    assertThat(s3.keys(bucket)).isEmpty();
  }

  @Test
  void aMemberThatIsDownIsSkippedForOneThatAnswers() throws Exception {
    String bucket = bucket("skip");
    CapturedRun.Result r =
        Agent.run(
            flags(
                bucket,
                "backup",
                "--endpoints=http://127.0.0.1:" + Ports.free() + "," + cluster.member(0).endpoint(),
                "--dial-timeout=2s"));
    assertThat(r.exitCode()).as(r.output()).isZero();
    JsonNode summary = JSON.readTree(r.stdout());
    assertThat(s3.keys(bucket))
        .containsExactly(summary.get("manifest").asText(), summary.get("key").asText());
  }

  @Test
  void wrongBucket() {
    CapturedRun.Result r =
        Agent.run(flags("no-such-bucket", "backup", "--endpoints=" + endpoint()));
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.stderr()).contains("bucket no-such-bucket does not exist");
  }

  @Test
  void badCredentials() {
    String bucket = bucket("credentials");
    CapturedRun.Result r;
    System.setProperty("aws.secretAccessKey", "not-the-secret");
    try {
      r = Agent.run(flags(bucket, "backup", "--endpoints=" + endpoint()));
    } finally {
      System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
    }
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.stderr()).contains("access denied, check the credentials");
    assertThat(s3.keys(bucket)).isEmpty();
  }

  @Test
  void s3EndpointDown() {
    CapturedRun.Result r =
        Agent.run(
            "backup",
            "--endpoints=" + endpoint(),
            "--bucket=any",
            "--s3-endpoint=http://127.0.0.1:" + Ports.free(),
            "--path-style");
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.stderr()).contains("cannot reach http://127.0.0.1:");
  }

  /**
   * The member is killed (SIGKILL) from inside the agent's progress callback, on the thread that
   * receives the stream, as soon as the first bytes of a 40 MB snapshot have arrived. Until the
   * callback returns the client reads nothing more, so at most the transport's flow-control window
   * and socket buffers (a few MB) can still arrive: the stream must break, whatever the timing.
   */
  @Test
  void memberKilledWhileTheSnapshotStreams() throws Exception {
    String bucket = bucket("midstream");
    try (StoreCluster big = StoreCluster.start(dir.resolve("big"), 1)) {
      big.awaitLeader(Duration.ofSeconds(30));
      try (Client c = Client.builder().endpoints(big.endpoints().toArray(String[]::new)).build()) {
        KV kv = c.getKVClient();
        byte[] value = new byte[100_000];
        Arrays.fill(value, (byte) 'x');
        List<CompletableFuture<?>> puts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
          puts.add(kv.put(bytes("big-" + i), ByteSequence.from(value)));
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      }
      MaintenanceSnapshotSource member =
          new MaintenanceSnapshotSource(
              new MaintenanceSnapshotSource.Settings(
                  big.endpoints(), null, null, null, null, Duration.ofSeconds(5)));
      AtomicBoolean killed = new AtomicBoolean();
      SnapshotSource killedMidStream =
          (file, progress) ->
              member.fetch(
                  file,
                  bytes -> {
                    progress.accept(bytes);
                    if (killed.compareAndSet(false, true)) {
                      big.member(0).kill9();
                    }
                  });
      Path tmp = dir.resolve("tmp");
      try (S3ObjectStore store = new S3ObjectStore(settings(bucket))) {
        BackupJob job =
            new BackupJob(killedMidStream, store, "prod", tmp, Clock.systemUTC(), 1 << 20);
        assertThatThrownBy(job::run)
            .hasMessageContaining(
                "the snapshot stream from " + big.member(0).endpoint() + " broke after");
      }
      assertThat(killed).isTrue();
      assertThat(s3.keys(bucket)).isEmpty();
      try (var left = Files.list(tmp)) {
        assertThat(left).as("the agent's temporary snapshot is gone").isEmpty();
      }
    }
  }

  /**
   * A multipart upload that fails half way: its upload is aborted under it after the first part (as
   * a lifecycle rule might), so the next part is refused. No object and no upload remain.
   */
  @Test
  void aFailedMultipartUploadLeavesNothing() throws Exception {
    String bucket = bucket("multipart");
    Path file = dir.resolve("big.bin");
    byte[] content = new byte[12 << 20];
    new java.util.Random(1).nextBytes(content);
    Files.write(file, content);
    String sha =
        java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
    AtomicBoolean aborted = new AtomicBoolean();
    try (S3ObjectStore store = new S3ObjectStore(settings(bucket))) {
      assertThatThrownBy(
              () ->
                  store.putFile(
                      "prod/x.snapshot",
                      file,
                      sha,
                      bytes -> {
                        if (aborted.compareAndSet(false, true)) {
                          s3.abortUploads(bucket);
                        }
                      }))
          .hasMessageContaining("cannot upload s3://" + bucket + "/prod/x.snapshot");
    }
    assertThat(aborted).isTrue();
    assertThat(s3.keys(bucket)).isEmpty();
    assertThat(s3.uploadsInProgress(bucket)).isEmpty();
  }

  /** The manifest is refused after the snapshot went up: the snapshot is deleted again. */
  @Test
  void aFailedManifestTakesItsSnapshotWithIt() throws Exception {
    String bucket = bucket("manifest");
    MaintenanceSnapshotSource member =
        new MaintenanceSnapshotSource(
            new MaintenanceSnapshotSource.Settings(
                cluster.endpoints(), null, null, null, null, Duration.ofSeconds(5)));
    try (S3ObjectStore real = new S3ObjectStore(settings(bucket));
        ObjectStore refusingManifests = new RefusingManifests(real)) {
      BackupJob job =
          new BackupJob(
              member, refusingManifests, "prod", dir.resolve("tmp"), Clock.systemUTC(), 1 << 20);
      assertThatThrownBy(job::run).hasMessageContaining("manifest refused");
    }
    assertThat(s3.keys(bucket)).isEmpty();
  }

  /** The real store, except that it refuses to store manifests. */
  private record RefusingManifests(ObjectStore real) implements ObjectStore {
    @Override
    public void checkBucket() throws ObjectStoreException {
      real.checkBucket();
    }

    @Override
    public void putFile(
        String key, Path file, String sha256, java.util.function.LongConsumer progress)
        throws ObjectStoreException {
      real.putFile(key, file, sha256, progress);
    }

    @Override
    public void putBytes(String key, byte[] content, String contentType)
        throws ObjectStoreException {
      throw new ObjectStoreException("manifest refused: " + key);
    }

    @Override
    public void getFile(String key, Path file) throws ObjectStoreException {
      real.getFile(key, file);
    }

    @Override
    public byte[] getBytes(String key) throws ObjectStoreException {
      return real.getBytes(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws ObjectStoreException {
      return real.list(prefix);
    }

    @Override
    public void delete(String key) throws ObjectStoreException {
      real.delete(key);
    }

    @Override
    public void close() {}
  }

  @Test
  void corruptObjectIsRefusedByRestore() throws Exception {
    String bucket = bucket("corrupt");
    JsonNode backup = backup(bucket);
    String key = backup.get("key").asText();
    byte[] flipped = s3.get(bucket, key);
    flipped[flipped.length / 2] ^= 0x40;
    s3.put(bucket, key, flipped);

    Path data = dir.resolve("corrupt");
    CapturedRun.Result r = restore(bucket, key, data);
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.stderr()).contains("backup object " + key + " fails its SHA-256 check");
    assertThat(data.resolve("member")).doesNotExist();
  }

  @Test
  void truncatedObjectIsRefusedByRestore() throws Exception {
    String bucket = bucket("truncated");
    JsonNode backup = backup(bucket);
    String key = backup.get("key").asText();
    byte[] whole = s3.get(bucket, key);
    s3.put(bucket, key, Arrays.copyOf(whole, whole.length - 700));

    Path data = dir.resolve("truncated");
    CapturedRun.Result r = restore(bucket, BackupKeys.manifestKey(key), data);
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.stderr())
        .contains("is " + (whole.length - 700) + " bytes where its manifest says " + whole.length);
    assertThat(data.resolve("member")).doesNotExist();
  }

  @Test
  void aSnapshotWithoutItsManifestIsNoBackup() throws Exception {
    String bucket = bucket("orphan");
    String key = backup(bucket).get("key").asText();
    // What an agent killed between the snapshot and its manifest leaves.
    try (S3ObjectStore store = new S3ObjectStore(settings(bucket))) {
      store.delete(BackupKeys.manifestKey(key));
    }
    assertThat(s3.keys(bucket)).containsExactly(key);
    CapturedRun.Result listed = Agent.run(flags(bucket, "list"));
    assertThat(listed.exitCode()).as(listed.output()).isZero();
    assertThat(listed.stdout()).isEmpty();

    CapturedRun.Result r = restore(bucket, key, dir.resolve("orphan"));
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.stderr())
        .contains("cannot read the manifest of " + key + ", without which it is no backup");
  }

  @Test
  void restoreRefusesAnOccupiedDataDir() throws Exception {
    String bucket = bucket("occupied");
    String key = backup(bucket).get("key").asText();
    Path data = dir.resolve("occupied");
    Files.createDirectories(data);
    Files.writeString(data.resolve("keep-me"), "x");
    CapturedRun.Result r = restore(bucket, key, data);
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.stderr()).contains("not empty");
    assertThat(data.resolve("keep-me")).exists();
  }

  @Test
  void asAnInitContainerRestoreRunsOnceAndOnlyForANewCluster() throws Exception {
    String bucket = bucket("init");
    Path result = dir.resolve("termination-log");
    CapturedRun.Result taken =
        Agent.run(flags(bucket, "backup", "--endpoints=" + endpoint(), "--result-file=" + result));
    assertThat(taken.exitCode()).as(taken.output()).isZero();
    assertThat(JSON.readTree(Files.readString(result))).isEqualTo(JSON.readTree(taken.stdout()));
    String key = JSON.readTree(taken.stdout()).get("key").asText();

    // A fresh volume: only lost+found in it.
    Path data = dir.resolve("init");
    Files.createDirectories(data.resolve("lost+found"));
    CapturedRun.Result joining =
        restore(bucket, key, data, "--skip-existing-member", "--initial-cluster-state=existing");
    assertThat(joining.exitCode()).as(joining.output()).isZero();
    assertThat(joining.stdout()).contains("nothing to restore");
    assertThat(data.resolve("member")).doesNotExist();

    CapturedRun.Result first = restore(bucket, key, data, "--skip-existing-member");
    assertThat(first.exitCode()).as(first.output()).isZero();
    assertThat(data.resolve("member")).isDirectory();
    try (var left = Files.list(data)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("member", "lost+found");
    }
    CapturedRun.Result again = restore(bucket, key, data, "--skip-existing-member");
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(again.stdout()).contains("already holds a member: nothing to restore");
  }

  @Test
  void aFailedRestoreInAnInitContainerLeavesNoMemberToStartOn() throws Exception {
    String bucket = bucket("init-corrupt");
    String key = backup(bucket).get("key").asText();
    byte[] flipped = s3.get(bucket, key);
    flipped[flipped.length / 3] ^= 0x01;
    s3.put(bucket, key, flipped);
    Path data = dir.resolve("init-corrupt");
    CapturedRun.Result r = restore(bucket, key, data, "--skip-existing-member");
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.stderr()).contains("fails its SHA-256 check");
    try (var left = Files.list(data)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void deleteTakesTheManifestAndTheSnapshotAndMayRunTwice() throws Exception {
    String bucket = bucket("delete");
    String kept = backup(bucket).get("key").asText();
    // Another revision, so that the second backup has a key of its own.
    try (Client c = Client.builder().endpoints(endpoint()).build()) {
      c.getKVClient().put(bytes("delete-test"), bytes("x")).get(30, TimeUnit.SECONDS);
    }
    String key = backup(bucket).get("key").asText();
    assertThat(key).isNotEqualTo(kept);
    CapturedRun.Result deleted = Agent.run(flags(bucket, "delete", "--key=" + key));
    assertThat(deleted.exitCode()).as(deleted.output()).isZero();
    assertThat(s3.keys(bucket)).containsExactly(BackupKeys.manifestKey(kept), kept);
    CapturedRun.Result again =
        Agent.run(flags(bucket, "delete", "--key=" + BackupKeys.manifestKey(key)));
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(s3.keys(bucket)).containsExactly(BackupKeys.manifestKey(kept), kept);
  }

  @Test
  void badFlagsExitTwoAndHelpExitsZero() {
    CapturedRun.Result help = Agent.run("backup", "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.stdout()).contains("--endpoints", "--bucket", "--s3-endpoint", "--path-style");
    CapturedRun.Result prune = Agent.run(flags("any", "prune"));
    assertThat(prune.exitCode()).isEqualTo(2);
    assertThat(prune.stderr()).contains("prune needs --keep-last, --max-age or both");
    CapturedRun.Result age = Agent.run(flags("any", "prune", "--max-age=3 days"));
    assertThat(age.exitCode()).isEqualTo(2);
    assertThat(age.stderr()).contains("--max-age must be a duration");
    CapturedRun.Result unknown = Agent.run("backup", "--no-such-flag");
    assertThat(unknown.exitCode()).isEqualTo(2);
  }

  private JsonNode backup(String bucket) throws Exception {
    CapturedRun.Result r = Agent.run(flags(bucket, "backup", "--endpoints=" + endpoint()));
    assertThat(r.exitCode()).as(r.output()).isZero();
    return JSON.readTree(r.stdout());
  }

  private static CapturedRun.Result restore(String bucket, String key, Path data, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "restore",
                "--key=" + key,
                "--name=r1",
                "--data-dir=" + data,
                "--initial-cluster=r1=http://127.0.0.1:2380",
                "--initial-advertise-peer-urls=http://127.0.0.1:2380"));
    args.addAll(List.of(more));
    return Agent.run(flags(bucket, args.toArray(String[]::new)));
  }

  private static String bucket(String name) {
    s3.createBucket(name);
    return name;
  }

  private static String endpoint() {
    return cluster.member(0).endpoint();
  }

  private static S3ObjectStore.Settings settings(String bucket) {
    return new S3ObjectStore.Settings(bucket, s3.endpoint(), null, true, 5L << 20, null);
  }

  private static String[] flags(String bucket, String... command) {
    List<String> args = new ArrayList<>(List.of(command));
    args.add("--bucket=" + bucket);
    args.add("--prefix=prod");
    args.add("--s3-endpoint=" + s3.endpoint());
    args.add("--path-style");
    return args.toArray(String[]::new);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
