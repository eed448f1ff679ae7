package dev.cairn.store.config;

import dev.cairn.store.tls.TlsSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A member's validated configuration.
 *
 * @param initialCluster the peer URLs of each member at bootstrap, by name, in flag order; always
 *     has an entry for {@code name}, and no URL appears twice
 * @param initialClusterState {@code new} or {@code existing}
 */
public record NodeConfig(
    String name,
    Path dataDir,
    List<URI> listenClientUrls,
    List<URI> advertiseClientUrls,
    List<URI> listenPeerUrls,
    List<URI> listenMetricsUrls,
    List<URI> initialAdvertisePeerUrls,
    Map<String, List<URI>> initialCluster,
    String initialClusterState,
    String initialClusterToken,
    long snapshotCount,
    long snapshotCatchupEntries,
    boolean strictReconfigCheck,
    int maxLearners,
    Duration corruptCheckTime,
    Duration heartbeatInterval,
    Duration electionTimeout,
    long quotaBackendBytes,
    String autoCompactionMode,
    String autoCompactionRetention,
    int maxRequestBytes,
    int maxTxnOps,
    Duration watchProgressNotifyInterval,
    String logLevel,
    String logFormat,
    Auth auth,
    Tls tls) {

  /**
   * How clients authenticate once auth is enabled.
   *
   * @param token etcd's --auth-token: {@code simple}, or {@code jwt,...} with its options
   * @param simpleTokenTtl how long a simple token lives unused
   * @param bcryptCost the cost of password hashes
   */
  public record Auth(String token, Duration simpleTokenTtl, int bcryptCost) {}

  /**
   * TLS of the client and the peer listeners (etcd's --cert-file... and --peer-cert-file...).
   *
   * @param client used on https client URLs; its files are also what --client-cert-auth checks
   * @param peer used on https peer URLs and for every connection to an https peer URL
   */
  public record Tls(TlsSettings client, TlsSettings peer) {}

  /** Whether this member bootstraps a new cluster rather than joining a running one. */
  public boolean isNewCluster() {
    return initialClusterState.equals("new");
  }

  /** {@link #initialCluster} with each URL as text, the form member ids are derived from. */
  public Map<String, List<String>> initialClusterUrls() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    initialCluster.forEach((n, us) -> out.put(n, us.stream().map(URI::toString).toList()));
    return out;
  }
}
