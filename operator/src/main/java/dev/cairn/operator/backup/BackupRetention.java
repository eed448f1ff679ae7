package dev.cairn.operator.backup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which scheduled backups go. Succeeded ones outside the newest {@code keepLast}, or older than
 * {@code maxAge}, go, but never the newest succeeded one: a cluster always keeps a backup to
 * restore. Of failed ones only the newest stays, to show why; running ones are left alone.
 */
public final class BackupRetention {
  /** A scheduled backup as retention sees it. */
  public record Backup(String name, Outcome outcome, Instant time) {}

  public enum Outcome {
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  private BackupRetention() {}

  /** The names of the backups to delete. */
  public static List<String> toDelete(
      List<Backup> scheduled, int keepLast, Optional<Duration> maxAge, Instant now) {
    List<String> doomed = new ArrayList<>();
    List<Backup> succeeded = newestFirst(scheduled, Outcome.SUCCEEDED);
    for (int i = 1; i < succeeded.size(); i++) {
      Backup b = succeeded.get(i);
      boolean tooOld = maxAge.map(age -> b.time().isBefore(now.minus(age))).orElse(false);
      if (i >= keepLast || tooOld) {
        doomed.add(b.name());
      }
    }
    List<Backup> failed = newestFirst(scheduled, Outcome.FAILED);
    for (int i = 1; i < failed.size(); i++) {
      doomed.add(failed.get(i).name());
    }
    return doomed;
  }

  private static List<Backup> newestFirst(List<Backup> backups, Outcome outcome) {
    return backups.stream()
        .filter(b -> b.outcome() == outcome)
        .sorted(Comparator.comparing(Backup::time).reversed().thenComparing(Backup::name))
        .toList();
  }
}
