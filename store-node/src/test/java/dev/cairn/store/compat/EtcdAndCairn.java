package dev.cairn.store.compat;

import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.LeaseGrpc;
import dev.cairn.proto.etcdserverpb.WatchGrpc;
import dev.cairn.store.testing.EtcdRef;
import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreNodeProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real etcd and a Cairn member in its own JVM, both empty, for differential tests that send both
 * the same requests in the same order (so that their revisions stay equal).
 */
final class EtcdAndCairn implements AutoCloseable {
  /** One server under test. */
  record Side(String name, String endpoint, ManagedChannel channel) {
    KVGrpc.KVBlockingStub kv() {
      return KVGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    LeaseGrpc.LeaseBlockingStub lease() {
      return LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    LeaseGrpc.LeaseStub leaseAsync() {
      return LeaseGrpc.newStub(channel);
    }

    WatchGrpc.WatchStub watch() {
      return WatchGrpc.newStub(channel);
    }
  }

  private final ReferenceEtcd etcdRef;
  private final StoreNodeProcess cairnProcess;
  final Side etcd;
  final Side cairn;

  private EtcdAndCairn(ReferenceEtcd etcdRef, StoreNodeProcess cairnProcess) {
    this.etcdRef = etcdRef;
    this.cairnProcess = cairnProcess;
    this.etcd = new Side("etcd", etcdRef.endpoint, channel(etcdRef.endpoint));
    this.cairn = new Side("cairn", cairnProcess.endpoint(), channel(cairnProcess.endpoint()));
  }

  static EtcdAndCairn start(Path dir) throws Exception {
    return start(dir, null);
  }

  /**
   * Starts both servers.
   *
   * @param progressInterval the interval of periodic watch progress notifications on both, or null
   *     for the default (10 minutes)
   */
  static EtcdAndCairn start(Path dir, Duration progressInterval) throws Exception {
    Files.createDirectories(dir.resolve("cairn"));
    ReferenceEtcd etcd = ReferenceEtcd.start(dir.resolve("etcd"), progressInterval);
    try {
      StoreNodeProcess cairn =
          progressInterval == null
              ? StoreNodeProcess.start(dir.resolve("cairn"))
              : StoreNodeProcess.start(
                  dir.resolve("cairn"),
                  "--watch-progress-notify-interval=" + progressInterval.toMillis() + "ms");
      return new EtcdAndCairn(etcd, cairn);
    } catch (RuntimeException e) {
      etcd.close();
      throw e;
    }
  }

  /**
   * One etcd member started by the project's etcd-ref script, as {@link EtcdRef} starts it, but
   * with etcd's settings for this test in its environment (etcd reads {@code ETCD_*} variables).
   */
  private record ReferenceEtcd(Path script, Path dir, String endpoint) implements AutoCloseable {
    static ReferenceEtcd start(Path dir, Duration progressInterval) throws Exception {
      Path script = EtcdRef.script();
      Assumptions.assumeTrue(script != null, "shared/tools/etcd-ref not found beside the project");
      ProcessBuilder pb =
          new ProcessBuilder(
                  script.toString(), "start", dir.toString(), "1", String.valueOf(Ports.freePair()))
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
      if (progressInterval != null) {
        pb.environment()
            .put(
                "ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL",
                progressInterval.toMillis() + "ms");
      }
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("etcd-ref failed to start: " + out);
      }
      String[] lines = out.split("\n");
      return new ReferenceEtcd(script, dir, lines[lines.length - 1].trim());
    }

    @Override
    public void close() {
      try {
        new ProcessBuilder(script.toString(), "stop", dir.toString())
            .inheritIO()
            .start()
            .waitFor(60, TimeUnit.SECONDS);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static ManagedChannel channel(String endpoint) {
    URI u = URI.create(endpoint);
    return ManagedChannelBuilder.forTarget(u.getHost() + ":" + u.getPort())
        .usePlaintext()
        .maxInboundMessageSize(16 << 20)
        .build();
  }

  /** Cairn's log so far, for failure messages. */
  String cairnLog() {
    return cairnProcess.log();
  }

  @Override
  public void close() {
    etcd.channel().shutdownNow();
    cairn.channel().shutdownNow();
    try {
      cairnProcess.close();
    } finally {
      etcdRef.close();
    }
  }
}
