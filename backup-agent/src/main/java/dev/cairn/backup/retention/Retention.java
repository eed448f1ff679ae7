package dev.cairn.backup.retention;

import dev.cairn.backup.manifest.BackupManifest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which backups to delete: a pure function of the backups, the policy and the time.
 *
 * <p>A backup goes when it is outside the newest {@code keepLast} (if set) and older than {@code
 * maxAge} (if set): each rule only ever keeps more. The newest backup always stays, so a backup job
 * that has been failing for longer than {@code maxAge} does not end with nothing to restore.
 *
 * @param keepLast how many of the newest backups to keep, at least 1; 0 when not set
 * @param maxAge how old a backup may get; null when not set
 */
public record Retention(int keepLast, Duration maxAge) {
  /** Newest first: by creation time, then by revision. */
  public static final Comparator<BackupManifest> NEWEST_FIRST =
      Comparator.comparing(BackupManifest::createdAt)
          .thenComparingLong(BackupManifest::revision)
          .reversed();

  public Retention {
    if (keepLast < 0) {
      throw new IllegalArgumentException("keep-last must be at least 1, not " + keepLast);
    }
    if (maxAge != null && maxAge.isNegative()) {
      throw new IllegalArgumentException("max-age must not be negative, not " + maxAge);
    }
    if (keepLast == 0 && maxAge == null) {
      throw new IllegalArgumentException("a retention needs keep-last, max-age or both");
    }
  }

  /** The backups to delete, newest first; {@code backups} itself is left as it is. */
  public List<BackupManifest> toDelete(List<BackupManifest> backups, Instant now) {
    List<BackupManifest> sorted = new ArrayList<>(backups);
    sorted.sort(NEWEST_FIRST);
    List<BackupManifest> delete = new ArrayList<>();
    for (int i = 1; i < sorted.size(); i++) {
      BackupManifest b = sorted.get(i);
      boolean beyondCount = keepLast == 0 || i >= keepLast;
      boolean tooOld = maxAge == null || b.createdAt().isBefore(now.minus(maxAge));
      if (beyondCount && tooOld) {
        delete.add(b);
      }
    }
    return delete;
  }
}
