package dev.cairn.backup.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackupKeysTest {
  private static final Instant T = Instant.parse("2026-12-04T17:05:09.750Z");

  @Test
  void snapshotKeysNameTheClusterTheSecondAndTheRevision() {
    assertThat(BackupKeys.snapshotKey("prod", 0xcdf818194e3a8c32L, T, 42))
        .isEqualTo("prod/cdf818194e3a8c32/20261204T170509Z-r42.snapshot");
    assertThat(BackupKeys.snapshotKey("/a/b/", 0x1fL, T, 7))
        .isEqualTo("a/b/1f/20261204T170509Z-r7.snapshot");
    assertThat(BackupKeys.snapshotKey("", 0x1fL, T, 7))
        .isEqualTo("1f/20261204T170509Z-r7.snapshot");
    assertThat(BackupKeys.snapshotKey(null, 0x1fL, T, 7))
        .isEqualTo("1f/20261204T170509Z-r7.snapshot");
  }

  @Test
  void keysOfOneClusterSortOldestFirst() {
    String earlier = BackupKeys.snapshotKey("p", 1, T, 900);
    String later = BackupKeys.snapshotKey("p", 1, T.plusSeconds(3600), 1000);
    assertThat(earlier).isLessThan(later);
  }

  @Test
  void manifestAndSnapshotKeysMapToEachOther() {
    String snap = "p/1f/20261204T170509Z-r7.snapshot";
    String manifest = "p/1f/20261204T170509Z-r7.manifest.json";
    assertThat(BackupKeys.manifestKey(snap)).isEqualTo(manifest);
    assertThat(BackupKeys.manifestKey(manifest)).isEqualTo(manifest);
    assertThat(BackupKeys.snapshotKey(manifest)).isEqualTo(snap);
    assertThat(BackupKeys.isManifest(manifest)).isTrue();
    assertThat(BackupKeys.isManifest(snap)).isFalse();
    assertThatThrownBy(() -> BackupKeys.manifestKey("p/notes.txt"))
        .hasMessageContaining("not a backup key");
  }

  @Test
  void theDirectoryOfAPrefix() {
    assertThat(BackupKeys.directory("")).isEmpty();
    assertThat(BackupKeys.directory("//x//")).isEqualTo("x/");
  }
}
