package dev.cairn.backup.cli;

import dev.cairn.backup.job.RestoreJob;
import dev.cairn.backup.objectstore.S3ObjectStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    header = "Make a new member's data directory from a backup.",
    description =
        "Creates the data directory of one member of a new cluster from a backup: downloads it, checks its size and SHA-256 against the manifest and its own trailer, then runs 'store-node snapshot restore'. Run it for every member with the same --initial-cluster and --initial-cluster-token, then start the members with those flags.")
final class RestoreCommand implements Callable<Integer> {
  @Mixin BucketOptions bucket;

  @Option(
      names = "--key",
      required = true,
      description = "The backup: its snapshot or manifest key, as 'list' prints it.")
  String key;

  @Option(
      names = "--data-dir",
      required = true,
      description = "The new member's data directory; must be missing or empty.")
  Path dataDir;

  @Option(
      names = "--name",
      defaultValue = "default",
      description = "The new member's name (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(
      names = "--initial-cluster",
      required = true,
      description = "The new cluster's members, NAME=PEER-URL,...")
  String initialCluster;

  @Option(
      names = "--initial-cluster-token",
      defaultValue = "etcd-cluster",
      description = "The new cluster's token (default: ${DEFAULT-VALUE}).")
  String initialClusterToken;

  @Option(
      names = "--initial-advertise-peer-urls",
      defaultValue = "http://localhost:2380",
      description = "This member's peer URLs (default: ${DEFAULT-VALUE}).")
  String initialAdvertisePeerUrls;

  @Override
  public Integer call() throws Exception {
    try (S3ObjectStore store = new S3ObjectStore(bucket.settings())) {
      new RestoreJob(store)
          .run(
              key,
              new RestoreJob.Member(
                  name, dataDir, initialCluster, initialClusterToken, initialAdvertisePeerUrls));
    }
    return 0;
  }
}
