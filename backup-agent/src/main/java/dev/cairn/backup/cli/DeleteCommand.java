package dev.cairn.backup.cli;

import dev.cairn.backup.manifest.BackupKeys;
import dev.cairn.backup.objectstore.S3ObjectStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    header = "Delete one backup.",
    description =
        "Deletes one backup: its manifest first, so that it stops looking like a backup, then its snapshot. Objects already gone are not an error, so a delete that was cut short can simply be run again.")
final class DeleteCommand implements Callable<Integer> {
  @Mixin BucketOptions bucket;
  @Spec CommandSpec spec;

  @Option(
      names = "--key",
      required = true,
      description = "The backup: its snapshot or manifest key, as 'list' prints it.")
  String key;

  @Override
  public Integer call() throws Exception {
    try (S3ObjectStore store = new S3ObjectStore(bucket.settings())) {
      store.delete(BackupKeys.manifestKey(key));
      store.delete(BackupKeys.snapshotKey(key));
    }
    spec.commandLine().getOut().println("deleted " + BackupKeys.snapshotKey(key));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
