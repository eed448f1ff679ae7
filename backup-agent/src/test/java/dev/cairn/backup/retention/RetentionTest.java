package dev.cairn.backup.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.backup.manifest.BackupManifest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionTest {
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

  /** One backup an hour for ten hours, the newest an hour old; shuffled, as listings come. */
  private static List<BackupManifest> hourly() {
    List<BackupManifest> b = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      b.add(backup(NOW.minus(Duration.ofHours(i)), 1000 - i));
    }
    Collections.shuffle(b, new java.util.Random(3));
    return b;
  }

  @Test
  void keepLastDeletesAllButTheNewestN() {
    List<BackupManifest> delete = new Retention(3, null).toDelete(hourly(), NOW);
    assertThat(delete)
        .extracting(BackupManifest::revision)
        .containsExactly(996L, 995L, 994L, 993L, 992L, 991L, 990L);
  }

  @Test
  void maxAgeDeletesTheOlderOnes() {
    List<BackupManifest> delete = new Retention(0, Duration.ofHours(4)).toDelete(hourly(), NOW);
    assertThat(delete)
        .extracting(BackupManifest::revision)
        .containsExactly(995L, 994L, 993L, 992L, 991L, 990L);
  }

  @Test
  void withBothABackupGoesOnlyWhenBothRulesLetItGo() {
    assertThat(new Retention(6, Duration.ofHours(2)).toDelete(hourly(), NOW))
        .extracting(BackupManifest::revision)
        .containsExactly(993L, 992L, 991L, 990L);
    assertThat(new Retention(2, Duration.ofHours(5)).toDelete(hourly(), NOW))
        .extracting(BackupManifest::revision)
        .containsExactly(994L, 993L, 992L, 991L, 990L);
  }

  @Test
  void theNewestBackupStaysHoweverOld() {
    List<BackupManifest> old =
        List.of(
            backup(NOW.minus(Duration.ofDays(30)), 5), backup(NOW.minus(Duration.ofDays(31)), 4));
    assertThat(new Retention(0, Duration.ofDays(1)).toDelete(old, NOW))
        .extracting(BackupManifest::revision)
        .containsExactly(4L);
  }

  @Test
  void nothingToDeleteFromFewBackups() {
    assertThat(new Retention(5, null).toDelete(hourly().subList(0, 5), NOW)).isEmpty();
    assertThat(new Retention(1, null).toDelete(List.of(), NOW)).isEmpty();
  }

  @Test
  void backupsOfTheSameSecondAreOrderedByRevision() {
    Instant t = NOW.minus(Duration.ofHours(1));
    List<BackupManifest> delete =
        new Retention(1, null).toDelete(List.of(backup(t, 7), backup(t, 9), backup(t, 8)), NOW);
    assertThat(delete).extracting(BackupManifest::revision).containsExactly(8L, 7L);
  }

  @Test
  void aPolicyNeedsARule() {
    assertThatThrownBy(() -> new Retention(0, null)).hasMessageContaining("keep-last, max-age");
    assertThatThrownBy(() -> new Retention(-1, null)).hasMessageContaining("at least 1");
  }

  private static BackupManifest backup(Instant createdAt, long revision) {
    return new BackupManifest(
        0xabcL, 0x1L, revision, 1024, "00", createdAt, "3.6.0", "p/abc/" + revision + ".snapshot");
  }
}
