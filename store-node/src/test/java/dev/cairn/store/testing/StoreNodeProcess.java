package dev.cairn.store.testing;

import static org.awaitility.Awaitility.await;

import dev.cairn.store.tls.TlsContexts;
import dev.cairn.store.tls.TlsSettings;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A store-node member in its own JVM, started the way a user starts it, so that tests can kill it
 * with SIGKILL and restart it on the same data directory.
 */
public final class StoreNodeProcess implements AutoCloseable {
  /**
   * Which of a member's URLs are https, and how a test client reaches an https client URL; the
   * member's own TLS flags are among its arguments.
   *
   * @param secureClients whether the client URL is https
   * @param securePeers whether the peer URL is https
   * @param probe the CA (and client certificate, if any) a test client uses on the client URL
   */
  public record Tls(boolean secureClients, boolean securePeers, TlsSettings probe) {
    public static final Tls NONE = new Tls(false, false, null);

    /** Clients on https, verified with {@code caFile}; {@code cert} and {@code key} may be null. */
    public static Tls clients(Path caFile, Path cert, Path key) {
      return new Tls(true, false, TlsSettings.client(caFile, cert, key));
    }

    /** Peers on https; clients in plain text. */
    public static Tls peers() {
      return new Tls(false, true, null);
    }
  }

  private final Path dataDir;
  private final int clientPort;
  private final int peerPort;
  private final List<String> extraArgs;
  private final Map<String, String> env;
  private final Path logFile;
  private final Tls tls;
  private Process process;

  private StoreNodeProcess(
      Path dataDir,
      int clientPort,
      int peerPort,
      List<String> extraArgs,
      Map<String, String> env,
      Tls tls) {
    this.dataDir = dataDir;
    this.tls = tls;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.extraArgs = extraArgs;
    this.env = env;
    this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
  }

  /** Starts a single member with its data in {@code dataDir} and waits until it serves. */
  public static StoreNodeProcess start(Path dataDir, String... extraArgs) {
    StoreNodeProcess p =
        new StoreNodeProcess(
            dataDir, Ports.free(), Ports.free(), List.of(extraArgs), Map.of(), Tls.NONE);
    p.launch();
    return p;
  }

  /**
   * Starts a member on the given ports, with extra environment variables, and waits until it serves
   * client requests (which does not need a leader).
   */
  public static StoreNodeProcess start(
      Path dataDir, int clientPort, int peerPort, Map<String, String> env, List<String> args) {
    return start(dataDir, clientPort, peerPort, env, args, Tls.NONE);
  }

  /**
   * Starts a member whose URLs are https as {@code tls} says, and waits until it serves client
   * requests, over TLS if its client URL is https.
   */
  public static StoreNodeProcess start(
      Path dataDir,
      int clientPort,
      int peerPort,
      Map<String, String> env,
      List<String> args,
      Tls tls) {
    StoreNodeProcess p = new StoreNodeProcess(dataDir, clientPort, peerPort, args, env, tls);
    p.launch();
    return p;
  }

  /** Starts a single member on free ports with the given URL schemes and flags. */
  public static StoreNodeProcess start(Path dataDir, Tls tls, String... extraArgs) {
    return start(dataDir, Ports.free(), Ports.free(), Map.of(), List.of(extraArgs), tls);
  }

  public String peerUrl() {
    return (tls.securePeers() ? "https" : "http") + "://127.0.0.1:" + peerPort;
  }

  public String endpoint() {
    return (tls.secureClients() ? "https" : "http") + "://127.0.0.1:" + clientPort;
  }

  public int clientPort() {
    return clientPort;
  }

  public Path dataDir() {
    return dataDir;
  }

  public Path logFile() {
    return logFile;
  }

  /** The member's log so far, for failure messages. */
  public String log() {
    try {
      return Files.readString(logFile);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void launch() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("--add-opens");
    cmd.add("java.base/sun.nio.ch=ALL-UNNAMED");
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.cairn.store.cli.StoreNodeMain");
    cmd.add("--data-dir=" + dataDir);
    // A test that lists its own client URLs (http and https side by side) keeps them.
    if (extraArgs.stream().noneMatch(a -> a.startsWith("--listen-client-urls"))) {
      cmd.add("--listen-client-urls=" + endpoint());
    }
    cmd.add("--advertise-client-urls=" + endpoint());
    cmd.add("--listen-peer-urls=" + peerUrl());
    cmd.addAll(extraArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
    pb.environment().putAll(env);
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    awaitServing();
  }

  private void awaitServing() {
    ManagedChannel ch =
        tls.secureClients()
            ? NettyChannelBuilder.forAddress("127.0.0.1", clientPort)
                .sslContext(TlsContexts.of(tls.probe()).client())
                .build()
            : ManagedChannelBuilder.forAddress("127.0.0.1", clientPort).usePlaintext().build();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .failFast("store-node exited:\n" + logFile, () -> !process.isAlive())
          .ignoreExceptions()
          // Status, because a learner answers nothing else but serializable reads.
          .until(() -> answersStatus(ch));
    } catch (org.awaitility.core.TerminalFailureException e) {
      throw new AssertionError("store-node exited; its log " + logFile + ":\n" + log(), e);
    } finally {
      ch.shutdownNow();
    }
  }

  /** Whether the member answers Status; a refusal for want of credentials is an answer too. */
  private static boolean answersStatus(ManagedChannel ch) {
    try {
      return dev.cairn.proto.etcdserverpb.MaintenanceGrpc.newBlockingStub(ch)
              .withDeadlineAfter(1, TimeUnit.SECONDS)
              .status(dev.cairn.proto.etcdserverpb.StatusRequest.getDefaultInstance())
          != null;
    } catch (io.grpc.StatusRuntimeException e) {
      return e.getStatus().getCode() == io.grpc.Status.Code.INVALID_ARGUMENT
          || e.getStatus().getCode() == io.grpc.Status.Code.UNAUTHENTICATED;
    }
  }

  /** Kills the member with SIGKILL: no shutdown hook, no flush. */
  public void kill9() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts the member again on the same data directory and port. */
  public void restart() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("still running");
    }
    launch();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Stops the member gracefully (SIGTERM) and waits for it. */
  public int stop() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      stop();
    }
  }
}
