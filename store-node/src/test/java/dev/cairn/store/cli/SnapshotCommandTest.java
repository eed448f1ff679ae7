package dev.cairn.store.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.CompactionRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.testing.CapturedRun;
import dev.cairn.store.testing.CapturedRun.Result;
import dev.cairn.store.testing.InProcessMember;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * store-node snapshot save, status and restore in this JVM: a member's key space saved over the
 * Maintenance API, checked, restored into a new data dir, and served again by a member started on
 * it; damaged files and occupied data dirs refused with a message naming them.
 */
class SnapshotCommandTest {
  // InProcessMember's own identity: restoring with it gives the data dir that member expects.
  private static final String[] NEW_CLUSTER = {
    "--name=default",
    "--initial-cluster=default=http://localhost:2380",
    "--initial-cluster-token=etcd-cluster",
    "--initial-advertise-peer-urls=http://localhost:2380"
  };

  @TempDir Path dir;
  private Path file;

  @BeforeEach
  void paths() {
    file = dir.resolve("backup.db");
  }

  @Test
  void saveStatusRestoreAndServeTheSameKeysValuesAndRevisions() throws Exception {
    RangeResponse before;
    try (InProcessMember member = new InProcessMember(dir.resolve("old"))) {
      ManagedChannel channel = member.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
        for (int i = 0; i < 500; i++) {
          kv.put(put("key-" + (i % 200), "value-" + i + "-" + "x".repeat(i % 50)));
        }
        kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bytes("key-7")).build());
        kv.compact(CompactionRequest.newBuilder().setRevision(300).build());
        before = kv.range(all());
      } finally {
        channel.shutdownNow();
      }
      Result saved = run("snapshot", "save", "--endpoints=" + member.endpoint(), file.toString());
      assertThat(saved.exitCode()).as(saved.stderr()).isZero();
      assertThat(saved.stdout()).contains("Snapshot saved at " + file);
    }
    assertThat(Files.size(file) % 512).isEqualTo(32);
    assertThat(dir.resolve("backup.db.part")).doesNotExist();

    Result json = run("snapshot", "status", file.toString(), "-w", "json");
    assertThat(json.exitCode()).as(json.stderr()).isZero();
    long revision = before.getHeader().getRevision();
    assertThat(jsonLong(json.stdout(), "revision")).isEqualTo(revision);
    assertThat(jsonLong(json.stdout(), "totalKey")).isEqualTo(199);
    assertThat(jsonLong(json.stdout(), "totalSize")).isEqualTo(Files.size(file));
    Result table = run("snapshot", "status", file.toString(), "-w", "table");
    assertThat(table.stdout())
        .contains("|   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |")
        .contains(" " + revision + " |")
        .contains(" 199 |");
    Result simple = run("snapshot", "status", file.toString());
    assertThat(simple.stdout().trim()).matches("[0-9a-f]+, " + revision + ", 199, [0-9.]+ kB");

    Path restored = dir.resolve("restored");
    Result r =
        run(concat(List.of("snapshot", "restore", file.toString(), "--data-dir=" + restored)));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(restored.resolve("member/mvcc")).isDirectory();
    assertThat(restored.resolve("member/raft")).isDirectory();

    try (InProcessMember member = new InProcessMember(restored)) {
      ManagedChannel channel = member.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel).withWaitForReady();
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(
                () ->
                    kv.withDeadlineAfter(2, TimeUnit.SECONDS).put(put("after", "restore")) != null);
        RangeResponse after = kv.range(all().toBuilder().setRevision(revision).build());
        assertThat(after.getKvsList()).isEqualTo(before.getKvsList());
        RangeResponse now = kv.range(RangeRequest.newBuilder().setKey(bytes("after")).build());
        KeyValue written = now.getKvs(0);
        assertThat(written.getModRevision()).isEqualTo(revision + 1);
        // The compaction came along: history before it is gone.
        assertThat(
                catchStatus(
                    () -> kv.range(all().toBuilder().setRevision(299).setCountOnly(true).build())))
            .contains("required revision has been compacted");
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void damagedFilesAreRefusedByStatusAndRestoreNamingTheFile() throws Exception {
    try (InProcessMember member = new InProcessMember(dir.resolve("old"))) {
      ManagedChannel channel = member.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
        for (int i = 0; i < 100; i++) {
          kv.put(put("key-" + i, "v"));
        }
      } finally {
        channel.shutdownNow();
      }
      assertThat(
              run("snapshot", "save", "--endpoints=" + member.endpoint(), file.toString())
                  .exitCode())
          .isZero();
    }
    byte[] good = Files.readAllBytes(file);
    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 0x40;
    Path corrupt = dir.resolve("corrupt.db");
    Files.write(corrupt, flipped);
    Path truncated = dir.resolve("truncated.db");
    Files.write(truncated, Arrays.copyOf(good, good.length - 700));

    for (Path bad : List.of(corrupt, truncated)) {
      String why = bad == corrupt ? "fails its SHA-256 check" : "is truncated";
      Result status = run("snapshot", "status", bad.toString());
      assertThat(status.exitCode()).isNotZero();
      assertThat(status.stderr()).contains("snapshot file " + bad).contains(why);
      Path data = dir.resolve("restore-" + bad.getFileName());
      Result restore =
          run(concat(List.of("snapshot", "restore", bad.toString(), "--data-dir=" + data)));
      assertThat(restore.exitCode()).isNotZero();
      assertThat(restore.stderr()).contains("snapshot file " + bad).contains(why);
      assertThat(data.resolve("member")).doesNotExist();
    }

    // --skip-hash-check lets a bad trailer through, never a damaged structure.
    byte[] badTrailer = good.clone();
    badTrailer[good.length - 1] ^= 1;
    Path trailer = dir.resolve("trailer.db");
    Files.write(trailer, badTrailer);
    Path data = dir.resolve("skip");
    Result skipped =
        run(
            concat(
                List.of(
                    "snapshot",
                    "restore",
                    trailer.toString(),
                    "--skip-hash-check",
                    "--data-dir=" + data)));
    assertThat(skipped.exitCode()).as(skipped.stderr()).isZero();
  }

  @Test
  void anOccupiedDataDirAndSeveralEndpointsAreRefused() throws Exception {
    Path data = dir.resolve("occupied");
    Files.createDirectories(data);
    Files.writeString(data.resolve("something"), "x");
    Files.write(file, new byte[544]);
    Result restore =
        run(concat(List.of("snapshot", "restore", file.toString(), "--data-dir=" + data)));
    assertThat(restore.exitCode()).isNotZero();
    assertThat(restore.stderr())
        .contains("data-dir \"" + data + "\" not empty or could not be read");

    Result save =
        run(
            "snapshot",
            "save",
            "--endpoints=127.0.0.1:1,127.0.0.1:2",
            dir.resolve("x.db").toString());
    assertThat(save.exitCode()).isNotZero();
    assertThat(save.stderr())
        .contains("snapshot must be requested to one selected node, not multiple")
        .contains("[127.0.0.1:1 127.0.0.1:2]");

    Result foreign = run("snapshot", "status", file.toString());
    assertThat(foreign.exitCode()).isNotZero();
    assertThat(foreign.stderr()).contains("is not a Cairn snapshot");
  }

  @Test
  void humanBytesAreGoHumanizesSiUnits() {
    assertThat(SnapshotCommand.humanBytes(5)).isEqualTo("5 B");
    assertThat(SnapshotCommand.humanBytes(2_080_800)).isEqualTo("2.1 MB");
    assertThat(SnapshotCommand.humanBytes(82_000)).isEqualTo("82 kB");
  }

  private static String[] concat(List<String> head) {
    List<String> all = new java.util.ArrayList<>(head);
    all.addAll(List.of(NEW_CLUSTER));
    return all.toArray(String[]::new);
  }

  private static RangeRequest all() {
    return RangeRequest.newBuilder().setKey(bytes("\0")).setRangeEnd(bytes("\0")).build();
  }

  private static PutRequest put(String k, String v) {
    return PutRequest.newBuilder().setKey(bytes(k)).setValue(bytes(v)).build();
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static String catchStatus(Runnable r) {
    try {
      r.run();
      return "";
    } catch (io.grpc.StatusRuntimeException e) {
      return String.valueOf(e.getStatus().getDescription());
    }
  }

  private static long jsonLong(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\"\\s*:\\s*(\\d+)").matcher(json);
    assertThat(m.find()).as(field + " in " + json).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** Runs 'store-node' in this JVM, capturing what it prints. */
  private static Result run(String... args) {
    return CapturedRun.run(StoreNodeMain::run, args);
  }
}
