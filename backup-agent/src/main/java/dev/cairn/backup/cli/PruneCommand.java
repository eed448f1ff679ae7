package dev.cairn.backup.cli;

import dev.cairn.backup.job.BackupCatalog;
import dev.cairn.backup.manifest.BackupManifest;
import dev.cairn.backup.objectstore.S3ObjectStore;
import dev.cairn.backup.retention.Retention;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "prune",
    mixinStandardHelpOptions = true,
    header = "Delete old backups by count and age.",
    description =
        "Deletes the backups under the prefix that the retention lets go: those outside the newest --keep-last and older than --max-age (each flag alone applies alone). The newest backup is never deleted. A backup's manifest is deleted before its snapshot.")
final class PruneCommand implements Callable<Integer> {
  @Mixin BucketOptions bucket;
  @Spec CommandSpec spec;

  @Option(
      names = "--keep-last",
      paramLabel = "N",
      defaultValue = "${env:CAIRN_BACKUP_KEEP_LAST}",
      description = "Keep the newest N backups (env CAIRN_BACKUP_KEEP_LAST).")
  Integer keepLast;

  @Option(
      names = "--max-age",
      paramLabel = "DURATION",
      defaultValue = "${env:CAIRN_BACKUP_MAX_AGE}",
      description =
          "Keep backups younger than this: 72h, 30m, or ISO-8601 such as P7D"
              + " (env CAIRN_BACKUP_MAX_AGE).")
  String maxAge;

  @Option(names = "--dry-run", description = "Print what would be deleted; delete nothing.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    if (keepLast == null && maxAge == null) {
      throw new IllegalArgumentException("prune needs --keep-last, --max-age or both");
    }
    if (keepLast != null && keepLast < 1) {
      throw new IllegalArgumentException("--keep-last must be at least 1, not " + keepLast);
    }
    Duration age = maxAge == null ? null : Durations.parse("--max-age", maxAge);
    Retention retention = new Retention(keepLast == null ? 0 : keepLast, age);
    PrintWriter out = spec.commandLine().getOut();
    try (S3ObjectStore store = new S3ObjectStore(bucket.settings())) {
      List<BackupManifest> backups = BackupCatalog.list(store, bucket.prefix);
      for (BackupManifest m : retention.toDelete(backups, Instant.now())) {
        if (!dryRun) {
          BackupCatalog.delete(store, m);
        }
        out.println((dryRun ? "would delete " : "deleted ") + ListCommand.line(m));
      }
      out.flush();
    }
    return 0;
  }
}
