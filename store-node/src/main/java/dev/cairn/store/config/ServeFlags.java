package dev.cairn.store.config;

import dev.cairn.store.support.GoDurations;
import dev.cairn.store.tls.TlsContexts;
import dev.cairn.store.tls.TlsException;
import dev.cairn.store.tls.TlsSettings;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/** The flags of a serving member, with etcd's names and defaults. */
public final class ServeFlags {
  @Option(
      names = "--name",
      defaultValue = "default",
      description = "Human-readable name for this member (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(
      names = "--data-dir",
      description = "Path to the data directory (default: ${name}.cairn).")
  String dataDir;

  @Option(
      names = "--listen-client-urls",
      defaultValue = "http://localhost:2379",
      description = "List of URLs to listen on for client traffic (default: ${DEFAULT-VALUE}).")
  String listenClientUrls;

  @Option(
      names = "--advertise-client-urls",
      defaultValue = "http://localhost:2379",
      description =
          "List of this member's client URLs to advertise to the cluster (default: ${DEFAULT-VALUE}).")
  String advertiseClientUrls;

  @Option(
      names = "--listen-peer-urls",
      defaultValue = "http://localhost:2380",
      description = "List of URLs to listen on for peer traffic (default: ${DEFAULT-VALUE}).")
  String listenPeerUrls;

  @Option(
      names = "--listen-metrics-urls",
      defaultValue = "",
      description =
          "List of additional URLs to listen on that respond to the /metrics and health endpoints"
              + " over HTTP only.")
  String listenMetricsUrls;

  @Option(
      names = "--initial-advertise-peer-urls",
      defaultValue = "http://localhost:2380",
      description =
          "List of this member's peer URLs to advertise to the cluster (default: ${DEFAULT-VALUE}).")
  String initialAdvertisePeerUrls;

  @Option(
      names = "--initial-cluster",
      description =
          "Initial cluster configuration for bootstrapping, name=url,... (default: ${name}=<initial-advertise-peer-urls>).")
  String initialCluster;

  @Option(
      names = "--initial-cluster-state",
      defaultValue = "new",
      description = "Initial cluster state: new or existing (default: ${DEFAULT-VALUE}).")
  String initialClusterState;

  @Option(
      names = "--initial-cluster-token",
      defaultValue = "etcd-cluster",
      description =
          "Initial cluster token for the cluster during bootstrap (default: ${DEFAULT-VALUE}).")
  String initialClusterToken;

  @Option(
      names = "--snapshot-count",
      defaultValue = "10000",
      description =
          "Number of committed transactions to trigger a snapshot to disk (default: ${DEFAULT-VALUE}).")
  long snapshotCount;

  @Option(
      names = {"--snapshot-catchup-entries", "--experimental-snapshot-catchup-entries"},
      defaultValue = "5000",
      description =
          "Number of entries kept after a snapshot for slow followers to catch up (default: ${DEFAULT-VALUE}).")
  long snapshotCatchupEntries;

  @Option(
      names = "--strict-reconfig-check",
      defaultValue = "true",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Reject reconfiguration requests that would cause quorum loss (default: ${DEFAULT-VALUE}).")
  boolean strictReconfigCheck;

  @Option(
      names = {"--max-learners", "--experimental-max-learners"},
      defaultValue = "1",
      description = "The maximum number of learners in the cluster (default: ${DEFAULT-VALUE}).")
  long maxLearners;

  @Option(
      names = {"--corrupt-check-time", "--experimental-corrupt-check-time"},
      defaultValue = "0s",
      description =
          "Duration between checks of the members' key-space hashes; 0s disables them (default: ${DEFAULT-VALUE}).")
  String corruptCheckTime;

  @Option(
      names = "--heartbeat-interval",
      defaultValue = "100",
      description = "Time (in milliseconds) of a heartbeat interval (default: ${DEFAULT-VALUE}).")
  long heartbeatIntervalMs;

  @Option(
      names = "--election-timeout",
      defaultValue = "1000",
      description =
          "Time (in milliseconds) for an election to timeout (default: ${DEFAULT-VALUE}).")
  long electionTimeoutMs;

  @Option(
      names = "--quota-backend-bytes",
      defaultValue = "0",
      description =
          "Raise alarms when backend size exceeds the given quota; 0 means the default of 2 GiB (default: ${DEFAULT-VALUE}).")
  long quotaBackendBytes;

  @Option(
      names = "--auto-compaction-mode",
      defaultValue = "periodic",
      description =
          "Interpret --auto-compaction-retention as 'periodic' (a duration) or 'revision' (default: ${DEFAULT-VALUE}).")
  String autoCompactionMode;

  @Option(
      names = "--auto-compaction-retention",
      defaultValue = "0",
      description =
          "Auto compaction retention for the MVCC key-value store; 0 disables it (default: ${DEFAULT-VALUE}).")
  String autoCompactionRetention;

  @Option(
      names = "--max-request-bytes",
      defaultValue = "1572864",
      description =
          "Maximum client request size in bytes the server will accept (default: ${DEFAULT-VALUE}).")
  long maxRequestBytes;

  @Option(
      names = "--max-txn-ops",
      defaultValue = "128",
      description =
          "Maximum number of operations permitted in a transaction (default: ${DEFAULT-VALUE}).")
  long maxTxnOps;

  @Option(
      names = {"--watch-progress-notify-interval", "--experimental-watch-progress-notify-interval"},
      defaultValue = "10m",
      description =
          "Duration of periodic watch progress notifications, e.g. 10m or 500ms (default: ${DEFAULT-VALUE}).")
  String watchProgressNotifyInterval;

  @Option(
      names = "--log-level",
      defaultValue = "info",
      description =
          "Log level: debug, info, warn, error, panic or fatal (default: ${DEFAULT-VALUE}).")
  String logLevel;

  @Option(
      names = "--log-format",
      defaultValue = "console",
      description =
          "Log format: console (one readable line per event) or json (one JSON object per event,"
              + " with etcd's level, ts, logger and msg fields) (default: ${DEFAULT-VALUE}).")
  String logFormat;

  @Option(
      names = "--auth-token",
      defaultValue = "simple",
      description =
          "Token type for authentication: 'simple', or 'jwt,pub-key=FILE,priv-key=FILE,sign-method=ALG[,ttl=5m]' (default: ${DEFAULT-VALUE}).")
  String authToken;

  @Option(
      names = "--auth-token-ttl",
      defaultValue = "300",
      description =
          "Time (in seconds) a simple token lives unused before it expires (default: ${DEFAULT-VALUE}).")
  long authTokenTtlSeconds;

  @Option(
      names = "--bcrypt-cost",
      defaultValue = "10",
      description =
          "The cost of bcrypt when hashing passwords; 4 to 31 (default: ${DEFAULT-VALUE}).")
  long bcryptCost;

  @Option(
      names = "--cert-file",
      description = "Path to the client server TLS cert file (default: none).")
  String certFile;

  @Option(
      names = "--key-file",
      description = "Path to the client server TLS key file (default: none).")
  String keyFile;

  @Option(
      names = "--trusted-ca-file",
      description =
          "Path to the client server TLS trusted CA cert file; clients must then present a certificate it signed (default: none).")
  String trustedCaFile;

  @Option(
      names = "--client-cert-auth",
      defaultValue = "false",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Enable client cert authentication; the certificate's common name names the user of a call without a token (default: ${DEFAULT-VALUE}).")
  boolean clientCertAuth;

  @Option(
      names = "--peer-cert-file",
      description =
          "Path to the peer server TLS cert file, also presented to peers (default: none).")
  String peerCertFile;

  @Option(
      names = "--peer-key-file",
      description = "Path to the peer server TLS key file (default: none).")
  String peerKeyFile;

  @Option(
      names = "--peer-trusted-ca-file",
      description = "Path to the peer server TLS trusted CA file (default: none).")
  String peerTrustedCaFile;

  @Option(
      names = "--peer-client-cert-auth",
      defaultValue = "false",
      arity = "0..1",
      fallbackValue = "true",
      description = "Enable peer client cert authentication (default: ${DEFAULT-VALUE}).")
  boolean peerClientCertAuth;

  @Option(
      names = "--cipher-suites",
      defaultValue = "",
      description =
          "Comma-separated list of supported TLS 1.2 cipher suites between client/server and peers, by IANA name (default: the JDK's).")
  String cipherSuites;

  @Option(
      names = "--tls-min-version",
      defaultValue = "TLS1.2",
      description =
          "Minimum TLS version supported by the member: TLS1.2 or TLS1.3 (default: ${DEFAULT-VALUE}).")
  String tlsMinVersion;

  @Option(
      names = "--tls-max-version",
      defaultValue = "",
      description =
          "Maximum TLS version supported by the member: TLS1.2 or TLS1.3; empty for the highest available (default: none).")
  String tlsMaxVersion;

  /** Validates the flags; every failure is one line that names the flag. */
  public NodeConfig toConfig() {
    return toConfig(ServeFlags::lookUp);
  }

  /** Resolves a host name to an address, as etcd does when comparing peer URLs. */
  interface HostResolver {
    String resolve(String host) throws UnknownHostException;
  }

  NodeConfig toConfig(HostResolver resolver) {
    if (name.isEmpty()) {
      throw new ConfigException("--name must not be empty");
    }
    List<URI> peers = urls("--initial-advertise-peer-urls", initialAdvertisePeerUrls);
    Map<String, List<URI>> cluster =
        initialCluster == null ? Map.of(name, peers) : parseCluster(initialCluster);
    if (!initialClusterState.equals("new") && !initialClusterState.equals("existing")) {
      throw new ConfigException(
          "--initial-cluster-state must be 'new' or 'existing', not '" + initialClusterState + "'");
    }
    // The checks of etcd's VerifyBootstrap and VerifyJoinExisting (server/config/config.go).
    if (!cluster.containsKey(name)) {
      throw new ConfigException(
          "couldn't find local name \""
              + name
              + "\" in the initial cluster configuration (--initial-cluster="
              + clusterString(cluster)
              + ")");
    }
    checkDuplicateUrls(cluster);
    // A joining member announced its peer URLs with 'member add'; etcd compares them only for
    // a new cluster.
    if (initialClusterState.equals("new")) {
      advertiseMatchesCluster(name, peers, cluster.get(name), resolver);
    }
    if (!autoCompactionMode.equals("periodic") && !autoCompactionMode.equals("revision")) {
      throw new ConfigException(
          "--auto-compaction-mode must be 'periodic' or 'revision', not '"
              + autoCompactionMode
              + "'");
    }
    positive("--snapshot-count", snapshotCount);
    positive("--snapshot-catchup-entries", snapshotCatchupEntries);
    if (maxLearners < 0 || maxLearners > 1000) {
      throw new ConfigException("--max-learners must be between 0 and 1000");
    }
    Duration corruptCheck =
        corruptCheckTime.equals("0")
            ? Duration.ZERO
            : duration("--corrupt-check-time", corruptCheckTime);
    positive("--heartbeat-interval", heartbeatIntervalMs);
    positive("--election-timeout", electionTimeoutMs);
    if (electionTimeoutMs < 5 * heartbeatIntervalMs) {
      throw new ConfigException(
          "--election-timeout["
              + electionTimeoutMs
              + "ms] should be at least as 5 times as --heartbeat-interval["
              + heartbeatIntervalMs
              + "ms]");
    }
    if (electionTimeoutMs > 50000) {
      throw new ConfigException(
          "--election-timeout["
              + electionTimeoutMs
              + "ms] is too long, and should be set less than 50000ms");
    }
    if (quotaBackendBytes < 0) {
      throw new ConfigException("--quota-backend-bytes must not be negative");
    }
    positive("--max-request-bytes", maxRequestBytes);
    if (maxRequestBytes > Integer.MAX_VALUE - (1 << 20)) {
      throw new ConfigException("--max-request-bytes is too large: " + maxRequestBytes);
    }
    positive("--max-txn-ops", maxTxnOps);
    if (maxTxnOps > Integer.MAX_VALUE) {
      throw new ConfigException("--max-txn-ops is too large: " + maxTxnOps);
    }
    if (!List.of("console", "json").contains(logFormat)) {
      throw new ConfigException("--log-format must be console or json");
    }
    if (!List.of("debug", "info", "warn", "error", "panic", "fatal").contains(logLevel)) {
      throw new ConfigException(
          "--log-level must be one of debug, info, warn, error, panic, fatal");
    }
    positive("--auth-token-ttl", authTokenTtlSeconds);
    if (bcryptCost < 4 || bcryptCost > 31) {
      throw new ConfigException("--bcrypt-cost must be between 4 and 31, got " + bcryptCost);
    }
    if (authToken.isBlank()) {
      throw new ConfigException("--auth-token must name 'simple' or 'jwt,...'");
    }
    Duration progress = duration("--watch-progress-notify-interval", watchProgressNotifyInterval);
    if (progress.toMillis() < 100) {
      throw new ConfigException("--watch-progress-notify-interval must be at least 100ms");
    }
    List<URI> listenClients = urls("--listen-client-urls", listenClientUrls);
    List<URI> listenPeers = urls("--listen-peer-urls", listenPeerUrls);
    NodeConfig.Tls tls = tls(listenClients, listenPeers);
    return new NodeConfig(
        name,
        Path.of(dataDir != null ? dataDir : name + ".cairn"),
        listenClients,
        urls("--advertise-client-urls", advertiseClientUrls),
        listenPeers,
        metricsUrls(),
        peers,
        cluster,
        initialClusterState,
        initialClusterToken,
        snapshotCount,
        snapshotCatchupEntries,
        strictReconfigCheck,
        (int) maxLearners,
        corruptCheck,
        Duration.ofMillis(heartbeatIntervalMs),
        Duration.ofMillis(electionTimeoutMs),
        quotaBackendBytes,
        autoCompactionMode,
        autoCompactionRetention,
        (int) maxRequestBytes,
        (int) maxTxnOps,
        progress,
        logLevel,
        logFormat,
        new NodeConfig.Auth(authToken, Duration.ofSeconds(authTokenTtlSeconds), (int) bcryptCost),
        tls);
  }

  /**
   * The client and peer TLS settings, with every file read once so that a missing or wrong one is
   * reported at start rather than at the first handshake.
   */
  private NodeConfig.Tls tls(List<URI> listenClients, List<URI> listenPeers) {
    List<String> suites = new ArrayList<>();
    for (String s : cipherSuites.split(",")) {
      if (!s.isBlank()) {
        suites.add(s.trim());
      }
    }
    TlsSettings client =
        new TlsSettings(
            path(certFile),
            path(keyFile),
            path(trustedCaFile),
            clientCertAuth,
            suites,
            tlsMinVersion,
            tlsMaxVersion);
    TlsSettings peer =
        new TlsSettings(
            path(peerCertFile),
            path(peerKeyFile),
            path(peerTrustedCaFile),
            peerClientCertAuth,
            suites,
            tlsMinVersion,
            tlsMaxVersion);
    try {
      client.validate();
    } catch (TlsException e) {
      throw new ConfigException(e.getMessage());
    }
    checkTls(
        "client", "--cert-file", "--key-file", "--trusted-ca-file", "--client-cert-auth", client);
    checkTls(
        "peer",
        "--peer-cert-file",
        "--peer-key-file",
        "--peer-trusted-ca-file",
        "--peer-client-cert-auth",
        peer);
    // etcd's message for a TLS listener without a certificate (server/embed/etcd.go).
    for (URI u : listenClients) {
      if (u.getScheme().equals("https") && !client.hasIdentity()) {
        throw new ConfigException(
            "TLS key/cert (--cert-file, --key-file) must be provided for client url "
                + u
                + " with HTTPS scheme");
      }
    }
    long secure = listenPeers.stream().filter(u -> u.getScheme().equals("https")).count();
    if (secure > 0 && !peer.hasIdentity()) {
      throw new ConfigException(
          "TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url "
              + listenPeers.stream().filter(u -> u.getScheme().equals("https")).findFirst().get()
              + " with HTTPS scheme");
    }
    if (secure > 0 && secure < listenPeers.size()) {
      throw new ConfigException(
          "--listen-peer-urls mixes http and https URLs; peers are served over one scheme");
    }
    return new NodeConfig.Tls(client, peer);
  }

  private static void checkTls(
      String side, String certFlag, String keyFlag, String caFlag, String authFlag, TlsSettings s) {
    if ((s.certFile() == null) != (s.keyFile() == null)) {
      throw new ConfigException(
          certFlag
              + " and "
              + keyFlag
              + " must both be present [key: "
              + (s.keyFile() == null ? "" : s.keyFile())
              + ", cert: "
              + (s.certFile() == null ? "" : s.certFile())
              + "]");
    }
    if (s.clientCertAuth() && s.trustedCaFile() == null) {
      throw new ConfigException(authFlag + " needs " + caFlag);
    }
    readable(certFlag, s.certFile());
    readable(keyFlag, s.keyFile());
    readable(caFlag, s.trustedCaFile());
    if (s.hasIdentity() || s.trustedCaFile() != null) {
      try {
        TlsContexts.of(s);
      } catch (TlsException e) {
        throw new ConfigException(side + " TLS: " + e.getMessage());
      }
    }
  }

  private static void readable(String flag, Path file) {
    if (file == null) {
      return;
    }
    if (!Files.exists(file)) {
      throw new ConfigException(flag + " " + file + " does not exist");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new ConfigException(flag + " " + file + " cannot be read");
    }
  }

  private static Path path(String flag) {
    return flag == null || flag.isBlank() ? null : Path.of(flag);
  }

  /** A Go-style duration: 500ms, 10s, 10m, 1h, or combinations such as 1m30s. */
  static Duration duration(String flag, String value) {
    return GoDurations.parse(value)
        .orElseThrow(
            () ->
                new ConfigException(
                    flag + " must be a duration such as 500ms, 10s or 10m, not '" + value + "'"));
  }

  private static void positive(String flag, long v) {
    if (v <= 0) {
      throw new ConfigException(flag + " must be positive, not " + v);
    }
  }

  private List<URI> metricsUrls() {
    if (listenMetricsUrls.isBlank()) {
      return List.of();
    }
    List<URI> out = urls("--listen-metrics-urls", listenMetricsUrls);
    for (URI u : out) {
      if (u.getScheme().equals("https")) {
        throw new ConfigException(
            "--listen-metrics-urls has an https URL '"
                + u
                + "'; metrics URLs serve plain HTTP (the client URLs answer /metrics over TLS)");
      }
    }
    return out;
  }

  static List<URI> urls(String flag, String value) {
    List<URI> out = new ArrayList<>();
    for (String s : value.split(",")) {
      String u = s.trim();
      if (u.isEmpty()) {
        continue;
      }
      out.add(url(flag, u));
    }
    if (out.isEmpty()) {
      throw new ConfigException(flag + " must list at least one URL");
    }
    return out;
  }

  private static URI url(String flag, String u) {
    URI uri;
    try {
      uri = new URI(u);
    } catch (URISyntaxException e) {
      throw new ConfigException(flag + " has an invalid URL '" + u + "': " + e.getReason());
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new ConfigException(flag + " has URL '" + u + "' with scheme other than http or https");
    }
    if (uri.getHost() == null || uri.getPort() < 0) {
      throw new ConfigException(flag + " has URL '" + u + "' without host and port");
    }
    if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
      throw new ConfigException(flag + " has URL '" + u + "' with a path; give host and port only");
    }
    if (u.endsWith("/") && "/".equals(uri.getPath())) {
      // Peer URLs go into member ids as text: http://h:1/ must hash as http://h:1 does.
      return URI.create(u.substring(0, u.length() - 1));
    }
    return uri;
  }

  static Map<String, List<URI>> parseCluster(String value) {
    Map<String, List<URI>> out = new LinkedHashMap<>();
    for (String part : value.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0 || eq == p.length() - 1) {
        throw new ConfigException(
            "--initial-cluster entry '" + p + "' is not of the form name=url");
      }
      out.computeIfAbsent(p.substring(0, eq), k -> new ArrayList<>())
          .add(url("--initial-cluster", p.substring(eq + 1)));
    }
    if (out.isEmpty()) {
      throw new ConfigException("--initial-cluster must name at least one member");
    }
    return out;
  }

  /** etcd's URLsMap.String(): name=url pairs, sorted. */
  static String clusterString(Map<String, List<URI>> cluster) {
    List<String> pairs = new ArrayList<>();
    cluster.forEach((n, us) -> us.forEach(u -> pairs.add(n + "=" + u)));
    pairs.sort(null);
    return String.join(",", pairs);
  }

  private static void checkDuplicateUrls(Map<String, List<URI>> cluster) {
    Set<String> seen = new HashSet<>();
    for (List<URI> us : cluster.values()) {
      for (URI u : us) {
        if (!seen.add(u.toString())) {
          throw new ConfigException(
              "--initial-cluster " + clusterString(cluster) + " has duplicate url " + u);
        }
      }
    }
  }

  /**
   * etcd's advertiseMatchesCluster: the local entry of --initial-cluster and
   * --initial-advertise-peer-urls must name the same URLs, after resolving host names.
   */
  private static void advertiseMatchesCluster(
      String name, List<URI> advertised, List<URI> local, HostResolver resolver) {
    List<String> ap = sortedStrings(advertised);
    List<String> init = sortedStrings(local);
    for (int i = 1; i < ap.size(); i++) {
      if (ap.get(i).equals(ap.get(i - 1))) {
        throw new ConfigException("--initial-advertise-peer-urls has duplicate url " + ap.get(i));
      }
    }
    String cause = urlsDiffer(ap, init, resolver);
    if (cause == null) {
      return;
    }
    List<String> missing = new ArrayList<>();
    for (String u : init) {
      if (!ap.contains(u)) {
        missing.add(name + "=" + u);
      }
    }
    if (!missing.isEmpty()) {
      throw new ConfigException(
          "--initial-cluster has "
              + String.join(",", missing)
              + " but missing from --initial-advertise-peer-urls="
              + String.join(",", ap)
              + " ("
              + cause
              + ")");
    }
    // Neither side lists a URL twice, so the sets differ: an advertised URL is extra.
    List<String> extra = new ArrayList<>(ap);
    extra.removeAll(init);
    throw new ConfigException(
        "--initial-advertise-peer-urls has "
            + String.join(",", extra)
            + " but missing from --initial-cluster="
            + clusterString(Map.of(name, local)));
  }

  /** Null if the sorted URL lists are equal, as text or once resolved; else why not, as etcd. */
  private static String urlsDiffer(List<String> a, List<String> b, HostResolver resolver) {
    if (a.size() != b.size()) {
      return "len(" + goQuoted(a) + ") != len(" + goQuoted(b) + ")";
    }
    if (a.equals(b)) {
      return null;
    }
    List<String> ra;
    List<String> rb;
    try {
      ra = resolvedAll(a, resolver);
      rb = resolvedAll(b, resolver);
    } catch (UnknownHostException e) {
      return e.getMessage();
    }
    for (int i = 0; i < ra.size(); i++) {
      if (!ra.get(i).equals(rb.get(i))) {
        return "resolved urls: \"" + ra.get(i) + "\" != \"" + rb.get(i) + "\"";
      }
    }
    return null;
  }

  /** The URLs with each host replaced by its address (etcd leaves localhost as it is), sorted. */
  private static List<String> resolvedAll(List<String> urls, HostResolver resolver)
      throws UnknownHostException {
    List<String> out = new ArrayList<>();
    for (String s : urls) {
      URI u = URI.create(s);
      String host = u.getHost();
      if (host.equals("localhost")) {
        out.add(s);
        continue;
      }
      String addr;
      try {
        addr =
            isAddress(host) ? InetAddress.getByName(host).getHostAddress() : resolver.resolve(host);
      } catch (UnknownHostException e) {
        throw new UnknownHostException("failed to resolve \"" + s + "\" (" + e.getMessage() + ")");
      }
      out.add(
          u.getScheme()
              + "://"
              + (addr.contains(":") ? "[" + addr + "]" : addr)
              + ":"
              + u.getPort());
    }
    out.sort(null);
    return out;
  }

  private static boolean isAddress(String host) {
    return host.startsWith("[") || host.matches("[0-9.]+");
  }

  private static String lookUp(String host) throws UnknownHostException {
    return InetAddress.getByName(host).getHostAddress();
  }

  private static List<String> sortedStrings(List<URI> urls) {
    List<String> out = new ArrayList<>();
    for (URI u : urls) {
      out.add(u.toString());
    }
    out.sort(null);
    return out;
  }

  /** Go's %q of a string slice, as etcd's messages print one. */
  private static String goQuoted(List<String> ss) {
    List<String> q = new ArrayList<>();
    for (String s : ss) {
      q.add("\"" + s + "\"");
    }
    return "[" + String.join(" ", q) + "]";
  }
}
