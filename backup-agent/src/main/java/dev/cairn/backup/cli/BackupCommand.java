package dev.cairn.backup.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.backup.job.BackupJob;
import dev.cairn.backup.manifest.BackupKeys;
import dev.cairn.backup.manifest.BackupManifest;
import dev.cairn.backup.objectstore.S3ObjectStore;
import dev.cairn.backup.snapshot.MaintenanceSnapshotSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "backup",
    mixinStandardHelpOptions = true,
    header = "Take a backup: snapshot one member, upload it and its manifest.",
    description =
        "Streams a snapshot from one healthy member, checks its SHA-256 trailer, uploads it, then writes its manifest. Prints one JSON line on success (bucket, key, manifest, clusterId, revision, size, sha256); exits 0 only when both are stored.")
final class BackupCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @Mixin BucketOptions bucket;
  @Spec CommandSpec spec;

  @Option(
      names = "--tmp-dir",
      defaultValue = "${env:CAIRN_BACKUP_TMP_DIR:-${sys:java.io.tmpdir}}",
      description =
          "Where the snapshot waits between streaming and upload; needs room for one snapshot"
              + " (default: ${DEFAULT-VALUE}).")
  Path tmpDir;

  @Option(
      names = "--progress-interval",
      paramLabel = "MIB",
      defaultValue = "64",
      description =
          "Log progress every this many MiB streamed or uploaded (default: ${DEFAULT-VALUE}).")
  long progressMib;

  @Option(
      names = "--result-file",
      paramLabel = "FILE",
      defaultValue = "${env:CAIRN_BACKUP_RESULT_FILE}",
      description =
          "Also write the JSON line to FILE, e.g. /dev/termination-log, where Kubernetes takes a"
              + " container's termination message from (env CAIRN_BACKUP_RESULT_FILE).")
  Path resultFile;

  @Override
  public Integer call() throws Exception {
    MaintenanceSnapshotSource source = new MaintenanceSnapshotSource(cluster.settings());
    S3ObjectStore.Settings settings = bucket.settings();
    try (S3ObjectStore store = new S3ObjectStore(settings)) {
      BackupManifest m =
          new BackupJob(source, store, bucket.prefix, tmpDir, Clock.systemUTC(), progressMib << 20)
              .run();
      ObjectNode summary = Json.MAPPER.createObjectNode();
      summary.put("bucket", settings.bucket());
      summary.put("key", m.snapshotKey());
      summary.put("manifest", BackupKeys.manifestKey(m.snapshotKey()));
      summary.put("clusterId", Long.toHexString(m.clusterId()));
      summary.put("revision", m.revision());
      summary.put("size", m.size());
      summary.put("sha256", m.sha256());
      spec.commandLine().getOut().println(summary);
      spec.commandLine().getOut().flush();
      if (resultFile != null) {
        Files.writeString(resultFile, summary + "\n");
      }
    }
    return 0;
  }
}
