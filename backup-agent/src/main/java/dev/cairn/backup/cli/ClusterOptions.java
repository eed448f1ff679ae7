package dev.cairn.backup.cli;

import dev.cairn.backup.snapshot.MaintenanceSnapshotSource;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** How to reach the cluster: etcdctl's flag names and environment variables. */
final class ClusterOptions {
  @Option(
      names = "--endpoints",
      split = ",",
      paramLabel = "URL",
      defaultValue = "${env:ETCDCTL_ENDPOINTS:-127.0.0.1:2379}",
      description =
          "Members to take the snapshot from, tried in order; the first that answers Status"
              + " streams it (env ETCDCTL_ENDPOINTS, default: ${DEFAULT-VALUE}).")
  List<String> endpoints;

  @Option(
      names = "--cacert",
      defaultValue = "${env:ETCDCTL_CACERT}",
      description = "Verify the members' certificates with this CA bundle (env ETCDCTL_CACERT).")
  Path cacert;

  @Option(
      names = "--cert",
      defaultValue = "${env:ETCDCTL_CERT}",
      description = "Identify the agent with this TLS client certificate (env ETCDCTL_CERT).")
  Path cert;

  @Option(
      names = "--key",
      defaultValue = "${env:ETCDCTL_KEY}",
      description = "The PKCS#8 PEM private key of --cert (env ETCDCTL_KEY).")
  Path key;

  @Option(
      names = "--user",
      paramLabel = "NAME:PASSWORD",
      defaultValue = "${env:ETCDCTL_USER}",
      description = "Authenticate as this user (env ETCDCTL_USER).")
  String user;

  @Option(
      names = "--dial-timeout",
      defaultValue = "${env:ETCDCTL_DIAL_TIMEOUT:-5s}",
      description =
          "How long a member may take to connect and answer Status (default: ${DEFAULT-VALUE}).")
  String dialTimeout;

  MaintenanceSnapshotSource.Settings settings() {
    return new MaintenanceSnapshotSource.Settings(
        endpoints, cacert, cert, key, user, Durations.parse("--dial-timeout", dialTimeout));
  }
}
