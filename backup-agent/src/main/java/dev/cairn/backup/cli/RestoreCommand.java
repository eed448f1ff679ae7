package dev.cairn.backup.cli;

import dev.cairn.backup.job.RestoreJob;
import dev.cairn.backup.objectstore.S3ObjectStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    header = "Make a new member's data directory from a backup.",
    description =
        "Creates the data directory of one member of a new cluster from a backup: downloads it, checks its size and SHA-256 against the manifest and its own trailer, then runs 'store-node snapshot restore'. Run it for every member with the same --initial-cluster and --initial-cluster-token, then start the members with those flags.")
final class RestoreCommand implements Callable<Integer> {
  @Mixin BucketOptions bucket;
  @Spec CommandSpec spec;

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

  @Option(
      names = "--initial-cluster-state",
      defaultValue = "new",
      description =
          "'new' restores; 'existing' restores nothing and exits 0, for a member that joins a"
              + " running cluster, which sends it the data itself (default: ${DEFAULT-VALUE}).")
  String initialClusterState;

  @Option(
      names = "--skip-existing-member",
      description =
          "When the data directory already holds a member, restore nothing and exit 0; other"
              + " files in it (lost+found) are then allowed. For a member's init container, which"
              + " runs again at every pod start.")
  boolean skipExistingMember;

  @Override
  public Integer call() throws Exception {
    switch (initialClusterState) {
      case "new" -> {}
      case "existing" -> {
        spec.commandLine()
            .getOut()
            .println("initial cluster state is existing: the member joins, nothing to restore");
        spec.commandLine().getOut().flush();
        return 0;
      }
      default ->
          throw new IllegalArgumentException(
              "--initial-cluster-state must be new or existing, not " + initialClusterState);
    }
    if (skipExistingMember && RestoreJob.holdsMember(dataDir)) {
      spec.commandLine()
          .getOut()
          .println("data-dir " + dataDir + " already holds a member: nothing to restore");
      spec.commandLine().getOut().flush();
      return 0;
    }
    try (S3ObjectStore store = new S3ObjectStore(bucket.settings())) {
      new RestoreJob(store)
          .run(
              key,
              new RestoreJob.Member(
                  name, dataDir, initialCluster, initialClusterToken, initialAdvertisePeerUrls),
              skipExistingMember);
    }
    return 0;
  }
}
