package dev.cairn.store.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A member's validated configuration. */
public record NodeConfig(
    String name,
    Path dataDir,
    List<URI> listenClientUrls,
    List<URI> advertiseClientUrls,
    List<URI> listenPeerUrls,
    List<URI> initialAdvertisePeerUrls,
    Map<String, List<URI>> initialCluster,
    String initialClusterState,
    String initialClusterToken,
    long snapshotCount,
    Duration heartbeatInterval,
    Duration electionTimeout,
    long quotaBackendBytes,
    String autoCompactionMode,
    String autoCompactionRetention,
    int maxRequestBytes,
    int maxTxnOps,
    Duration watchProgressNotifyInterval,
    String logLevel) {}
