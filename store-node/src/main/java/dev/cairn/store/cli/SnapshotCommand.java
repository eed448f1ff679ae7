package dev.cairn.store.cli;

import dev.cairn.proto.etcdserverpb.MaintenanceGrpc;
import dev.cairn.proto.etcdserverpb.SnapshotRequest;
import dev.cairn.proto.etcdserverpb.SnapshotResponse;
import dev.cairn.store.config.ConfigException;
import dev.cairn.store.config.NodeConfig;
import dev.cairn.store.config.ServeFlags;
import dev.cairn.store.membership.InitialCluster;
import dev.cairn.store.raftlog.RaftLog;
import dev.cairn.store.server.Bootstrap;
import dev.cairn.store.snapshot.SnapshotInfo;
import dev.cairn.store.snapshot.SnapshotTrailer;
import dev.cairn.store.snapshot.Snapshots;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.tls.TlsContexts;
import dev.cairn.store.tls.TlsException;
import dev.cairn.store.tls.TlsSettings;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code snapshot save|status|restore}: etcdctl's save, etcdutl's status and restore. */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = "Save, check and restore snapshots of a member's key space.",
    subcommands = {
      SnapshotCommand.Save.class,
      SnapshotCommand.Status.class,
      SnapshotCommand.Restore.class
    })
final class SnapshotCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(
      name = "save",
      mixinStandardHelpOptions = true,
      description = "Stores a snapshot of one member's key space in FILE (etcdctl snapshot save).")
  static final class Save implements java.util.concurrent.Callable<Integer> {
    @Option(
        names = "--endpoints",
        split = ",",
        defaultValue = "127.0.0.1:2379",
        paramLabel = "URL",
        description = "The one member to take the snapshot from (default: ${DEFAULT-VALUE}).")
    List<String> endpoints;

    @Option(
        names = "--cacert",
        description = "Verify the server's certificate with this CA bundle (https endpoints).")
    Path cacert;

    @Option(
        names = "--cert",
        description = "Identify this client with this TLS certificate (https endpoints).")
    Path cert;

    @Option(names = "--key", description = "The private key of --cert.")
    Path key;

    @Option(
        names = "--dial-timeout",
        defaultValue = "2s",
        description = "Dial timeout for the client connection (default: ${DEFAULT-VALUE}).")
    String dialTimeout;

    @Parameters(arity = "1", paramLabel = "FILE", description = "Where to store the snapshot.")
    Path file;

    @Override
    public Integer call() throws Exception {
      if (endpoints.size() != 1) {
        throw new ConfigException(
            "snapshot must be requested to one selected node, not multiple "
                + endpoints.toString().replace(", ", " "));
      }
      Duration dial = duration("--dial-timeout", dialTimeout);
      URI endpoint = endpoint(endpoints.get(0));
      NettyChannelBuilder builder =
          NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort())
              .maxInboundMessageSize(Integer.MAX_VALUE);
      if ("https".equals(endpoint.getScheme())) {
        builder.sslContext(clientTls(cacert, cert, key));
      } else {
        builder.usePlaintext();
      }
      ManagedChannel channel = builder.build();
      Path part = file.resolveSibling(file.getFileName() + ".part");
      try {
        awaitConnected(channel, dial, endpoints.get(0));
        String version = fetch(channel, part);
        Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("Snapshot saved at " + file);
        if (!version.isEmpty()) {
          System.out.println("Server version " + version);
        }
        return 0;
      } finally {
        Files.deleteIfExists(part);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }

    /** The TLS context etcdctl's --cacert, --cert and --key describe. */
    private static SslContext clientTls(Path cacert, Path cert, Path key) {
      if ((cert == null) != (key == null)) {
        throw new ConfigException("--cert and --key must be given together");
      }
      try {
        return TlsContexts.of(TlsSettings.client(cacert, cert, key)).client();
      } catch (TlsException e) {
        throw new ConfigException(e.getMessage());
      }
    }

    /** Streams the snapshot into {@code part}, checks its trailer, syncs; returns the version. */
    private static String fetch(ManagedChannel channel, Path part) throws IOException {
      SnapshotTrailer trailer = new SnapshotTrailer();
      String version = "";
      try (FileChannel ch =
          FileChannel.open(
              part,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        OutputStream out = Channels.newOutputStream(ch);
        Iterator<SnapshotResponse> it =
            MaintenanceGrpc.newBlockingStub(channel).snapshot(SnapshotRequest.getDefaultInstance());
        while (it.hasNext()) {
          SnapshotResponse r = it.next();
          byte[] blob = r.getBlob().toByteArray();
          out.write(blob);
          trailer.update(blob, 0, blob.length);
          version = r.getVersion();
        }
        trailer.check();
        ch.force(true);
      }
      return version;
    }

    private static void awaitConnected(ManagedChannel channel, Duration timeout, String endpoint)
        throws Exception {
      CompletableFuture<Void> ready = new CompletableFuture<>();
      watch(channel, ready);
      try {
        ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new IOException("context deadline exceeded: cannot connect to " + endpoint);
      }
    }

    private static void watch(ManagedChannel channel, CompletableFuture<Void> ready) {
      ConnectivityState s = channel.getState(true);
      if (s == ConnectivityState.READY) {
        ready.complete(null);
      } else if (!ready.isDone()) {
        channel.notifyWhenStateChanged(s, () -> watch(channel, ready));
      }
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Checks a snapshot file and prints what it holds (etcdutl snapshot status).")
  static final class Status implements java.util.concurrent.Callable<Integer> {
    @Option(
        names = {"-w", "--write-out"},
        defaultValue = "simple",
        description = "Output format: simple, table, json or fields (default: ${DEFAULT-VALUE}).")
    String writeOut;

    @Parameters(arity = "1", paramLabel = "FILE", description = "The snapshot file.")
    Path file;

    @Override
    public Integer call() throws Exception {
      if (!List.of("simple", "table", "json", "fields").contains(writeOut)) {
        throw new ConfigException("unsupported output format " + writeOut);
      }
      SnapshotInfo info = Snapshots.verify(file);
      print(System.out, info, writeOut);
      return 0;
    }

    static void print(PrintStream out, SnapshotInfo info, String format) {
      String hash = info.hashHex();
      String size = humanBytes(info.totalSize());
      switch (format) {
        case "json" ->
            out.println(
                "{\"hash\":"
                    + Integer.toUnsignedString(info.hash())
                    + ",\"revision\":"
                    + info.revision()
                    + ",\"totalKey\":"
                    + info.totalKeys()
                    + ",\"totalSize\":"
                    + info.totalSize()
                    + "}");
        case "fields" -> {
          out.println("\"Hash\" : " + Integer.toUnsignedString(info.hash()));
          out.println("\"Revision\" : " + info.revision());
          out.println("\"Keys\" : " + info.totalKeys());
          out.println("\"Size\" : " + info.totalSize());
        }
        case "table" ->
            out.print(
                table(
                    List.of("HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"),
                    List.of(
                        hash,
                        Long.toString(info.revision()),
                        Long.toString(info.totalKeys()),
                        size)));
        default ->
            out.println(
                String.join(
                    ", ",
                    hash,
                    Long.toString(info.revision()),
                    Long.toString(info.totalKeys()),
                    size));
      }
    }
  }

  @Command(
      name = "restore",
      mixinStandardHelpOptions = true,
      description = {
        "Creates the data directory of one member of a new cluster from a snapshot file",
        "(etcdutl snapshot restore). Run it for every member, with the same --initial-cluster",
        "and --initial-cluster-token, then start the members with those flags."
      })
  static final class Restore implements java.util.concurrent.Callable<Integer> {
    @Parameters(arity = "1", paramLabel = "FILE", description = "The snapshot file.")
    Path file;

    @Option(
        names = "--name",
        defaultValue = "default",
        description = "Human-readable name for this member (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(
        names = "--data-dir",
        description = "Path to the output data directory (default: ${name}.cairn).")
    String dataDir;

    @Option(
        names = "--initial-cluster",
        description =
            "Initial cluster configuration for restore bootstrap (default:"
                + " ${name}=<initial-advertise-peer-urls>).")
    String initialCluster;

    @Option(
        names = "--initial-cluster-token",
        defaultValue = "etcd-cluster",
        description = "Initial cluster token for the new cluster (default: ${DEFAULT-VALUE}).")
    String initialClusterToken;

    @Option(
        names = "--initial-advertise-peer-urls",
        defaultValue = "http://localhost:2380",
        description =
            "This member's peer URLs to advertise to the rest of the cluster (default:"
                + " ${DEFAULT-VALUE}).")
    String initialAdvertisePeerUrls;

    @Option(
        names = "--skip-hash-check",
        description = "Ignore the snapshot's SHA-256 trailer (its structure is still checked).")
    boolean skipHashCheck;

    @Override
    public Integer call() throws Exception {
      NodeConfig cfg = config();
      Path dir = cfg.dataDir();
      if (Files.exists(dir) && !isEmptyDirectory(dir)) {
        throw new ConfigException("data-dir \"" + dir + "\" not empty or could not be read");
      }
      SnapshotInfo info = Snapshots.verify(file, skipHashCheck);
      InitialCluster initial =
          InitialCluster.of(cfg.name(), cfg.initialClusterUrls(), cfg.initialClusterToken(), true);
      Path memberDir = dir.resolve("member");
      try {
        try (Backend mvcc =
            Backend.open(memberDir.resolve("mvcc"), BackendConfig.mvcc(), Schema.MVCC_TABLES)) {
          Snapshots.restoreAsNewCluster(file, mvcc, skipHashCheck);
        }
        try (Backend raft =
            Backend.open(memberDir.resolve("raft"), BackendConfig.raftLog(), Schema.RAFT_TABLES)) {
          RaftLog raftLog = RaftLog.open(raft);
          raftLog.saveIdentity(initial.local().id(), initial.clusterId());
          Bootstrap.writeInitialLog(raftLog, initial.members());
        }
      } catch (IOException | RuntimeException e) {
        deleteTree(memberDir); // no half-made member for 'serve' to start on
        throw e;
      }
      System.out.println(
          "restored snapshot "
              + file
              + " (revision "
              + info.revision()
              + ", "
              + info.totalKeys()
              + " keys) into "
              + dir
              + " as member "
              + Long.toHexString(initial.local().id())
              + " of cluster "
              + Long.toHexString(initial.clusterId()));
      return 0;
    }

    /** The flags checked and the ids derived exactly as 'serve' bootstrapping a cluster does. */
    private NodeConfig config() {
      List<String> args = new ArrayList<>();
      args.add("--name=" + name);
      if (dataDir != null) {
        args.add("--data-dir=" + dataDir);
      }
      if (initialCluster != null) {
        args.add("--initial-cluster=" + initialCluster);
      }
      args.add("--initial-cluster-token=" + initialClusterToken);
      args.add("--initial-advertise-peer-urls=" + initialAdvertisePeerUrls);
      args.add("--initial-cluster-state=new");
      return CommandLine.populateCommand(new ServeFlags(), args.toArray(String[]::new)).toConfig();
    }
  }

  static boolean isEmptyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static URI endpoint(String e) {
    String s = e.contains("://") ? e : "http://" + e;
    URI u = URI.create(s);
    if (u.getHost() == null || u.getPort() < 0) {
      throw new ConfigException("endpoint '" + e + "' has no host and port");
    }
    return u;
  }

  private static Duration duration(String flag, String value) {
    var m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(value.trim());
    if (!m.matches()) {
      throw new ConfigException(
          flag + " must be a duration such as 500ms or 5s, not '" + value + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  /** go-humanize's Bytes: SI units, one decimal below 10. */
  static String humanBytes(long s) {
    if (s < 10) {
      return s + " B";
    }
    String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    int e = (int) Math.floor(Math.log(s) / Math.log(1000));
    double val = Math.floor(s / Math.pow(1000, e) * 10 + 0.5) / 10;
    return String.format(Locale.ROOT, val < 10 ? "%.1f %s" : "%.0f %s", val, units[e]);
  }

  /** A table as etcdutl's tablewriter draws it: centred headers, right-aligned cells. */
  static String table(List<String> header, List<String> row) {
    int[] w = new int[header.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = Math.max(header.get(i).length(), row.get(i).length());
    }
    StringBuilder line = new StringBuilder("+");
    for (int x : w) {
      line.append("-".repeat(x + 2)).append('+');
    }
    StringBuilder out = new StringBuilder();
    out.append(line).append('\n').append('|');
    for (int i = 0; i < w.length; i++) {
      String h = header.get(i);
      int left = (w[i] - h.length()) / 2;
      out.append(' ')
          .append(" ".repeat(left))
          .append(h)
          .append(" ".repeat(w[i] - h.length() - left))
          .append(" |");
    }
    out.append('\n').append(line).append('\n').append('|');
    for (int i = 0; i < w.length; i++) {
      String c = row.get(i);
      out.append(' ').append(" ".repeat(w[i] - c.length())).append(c).append(" |");
    }
    out.append('\n').append(line).append('\n');
    return out.toString();
  }
}
