package dev.cairn.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.testing.InProcessMember;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot files left by a member that died while writing or before installing them go. */
class SnapshotFilesTest {
  @TempDir Path dir;

  @Test
  void leftoverSnapshotFilesAreDeletedAtStartAndOthersKept() throws Exception {
    Path snap = Files.createDirectories(dir.resolve("member").resolve("snap"));
    Path received = Files.writeString(snap.resolve("0000000000000002-0000000000000100.snap"), "x");
    Path sending = Files.writeString(snap.resolve("send-123.snap.tmp"), "y");
    Path other = Files.writeString(snap.resolve("notes.txt"), "z");
    try (InProcessMember member = new InProcessMember(dir)) {
      assertThat(received).doesNotExist();
      assertThat(sending).doesNotExist();
      assertThat(other).exists();
    }
  }
}
