package dev.cairn.backup.cli;

import dev.cairn.backup.job.BackupCatalog;
import dev.cairn.backup.manifest.BackupManifest;
import dev.cairn.backup.objectstore.S3ObjectStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    header = "List the backups under a prefix, newest first.",
    description =
        "Lists the backups under the prefix, newest first. Only a snapshot with a manifest is a backup; anything else under the prefix is left out.")
final class ListCommand implements Callable<Integer> {
  @Mixin BucketOptions bucket;
  @Spec CommandSpec spec;

  @Option(
      names = {"-w", "--write-out"},
      defaultValue = "simple",
      description = "Output format: simple or json (default: ${DEFAULT-VALUE}).")
  String writeOut;

  @Override
  public Integer call() throws Exception {
    if (!List.of("simple", "json").contains(writeOut)) {
      throw new IllegalArgumentException("unsupported output format " + writeOut);
    }
    try (S3ObjectStore store = new S3ObjectStore(bucket.settings())) {
      List<BackupManifest> backups = BackupCatalog.list(store, bucket.prefix);
      PrintWriter out = spec.commandLine().getOut();
      if (writeOut.equals("json")) {
        out.println(Json.backups(backups));
      } else {
        for (BackupManifest m : backups) {
          out.println(line(m));
        }
      }
      out.flush();
    }
    return 0;
  }

  /** KEY, CREATED, REVISION, SIZE, CLUSTER: etcdctl's "simple" style. */
  static String line(BackupManifest m) {
    return String.format(
        Locale.ROOT,
        "%s, %s, %d, %d, %s",
        m.snapshotKey(),
        m.createdAt(),
        m.revision(),
        m.size(),
        Long.toHexString(m.clusterId()));
  }
}
