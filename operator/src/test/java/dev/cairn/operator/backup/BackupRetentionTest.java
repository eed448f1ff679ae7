package dev.cairn.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.backup.BackupRetention.Backup;
import dev.cairn.operator.backup.BackupRetention.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackupRetentionTest {
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

  private static Backup ok(String name, long hoursAgo) {
    return new Backup(name, Outcome.SUCCEEDED, NOW.minus(Duration.ofHours(hoursAgo)));
  }

  private static Backup failed(String name, long hoursAgo) {
    return new Backup(name, Outcome.FAILED, NOW.minus(Duration.ofHours(hoursAgo)));
  }

  @Test
  void keepsTheNewestKeepLastSucceeded() {
    List<Backup> backups = List.of(ok("b1", 4), ok("b2", 3), ok("b3", 2), ok("b4", 1));
    assertThat(BackupRetention.toDelete(backups, 2, Optional.empty(), NOW))
        .containsExactlyInAnyOrder("b1", "b2");
    assertThat(BackupRetention.toDelete(backups, 4, Optional.empty(), NOW)).isEmpty();
  }

  @Test
  void maxAgeDeletesOldBackupsButNeverTheNewestSucceeded() {
    List<Backup> backups = List.of(ok("old", 200), ok("older", 300));
    assertThat(BackupRetention.toDelete(backups, 10, Optional.of(Duration.ofHours(168)), NOW))
        .containsExactly("older");
    List<Backup> mixed = List.of(ok("fresh", 1), ok("stale", 170));
    assertThat(BackupRetention.toDelete(mixed, 10, Optional.of(Duration.ofHours(168)), NOW))
        .containsExactly("stale");
  }

  @Test
  void onlyTheNewestFailureStaysAndRunningBackupsAreLeftAlone() {
    List<Backup> backups =
        List.of(
            failed("f1", 5),
            failed("f2", 4),
            ok("b1", 3),
            new Backup("running", Outcome.RUNNING, NOW),
            failed("f3", 1));
    assertThat(BackupRetention.toDelete(backups, 1, Optional.empty(), NOW))
        .containsExactlyInAnyOrder("f1", "f2");
  }
}
