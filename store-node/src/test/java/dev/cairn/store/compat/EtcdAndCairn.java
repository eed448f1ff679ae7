package dev.cairn.store.compat;

import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.LeaseGrpc;
import dev.cairn.proto.etcdserverpb.WatchGrpc;
import dev.cairn.store.testing.EtcdRef;
import dev.cairn.store.testing.StoreNodeProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

  private final EtcdRef etcdRef;
  private final StoreNodeProcess cairnProcess;
  private final EtcdRef secondEtcd;
  final Side etcd;
  final Side cairn;

  private EtcdAndCairn(EtcdRef etcdRef, StoreNodeProcess cairnProcess) {
    this.etcdRef = etcdRef;
    this.cairnProcess = cairnProcess;
    this.secondEtcd = null;
    this.etcd = new Side("etcd", etcdRef.endpoint(), channel(etcdRef.endpoint()));
    this.cairn = new Side("cairn", cairnProcess.endpoint(), channel(cairnProcess.endpoint()));
  }

  private EtcdAndCairn(EtcdRef etcdRef, EtcdRef secondEtcd) {
    this.etcdRef = etcdRef;
    this.cairnProcess = null;
    this.secondEtcd = secondEtcd;
    this.etcd = new Side("etcd", etcdRef.endpoint(), channel(etcdRef.endpoint()));
    this.cairn = new Side("etcd2", secondEtcd.endpoint(), channel(secondEtcd.endpoint()));
  }

  /**
   * Two etcds side by side, the second in Cairn's place: a scenario run against them checks itself,
   * every difference it finds being one of the scenario's own making.
   */
  static EtcdAndCairn startEtcdTwice(Path dir) {
    EtcdRef first = EtcdRef.start(dir.resolve("etcd"), 1);
    try {
      return new EtcdAndCairn(first, EtcdRef.start(dir.resolve("etcd2"), 1));
    } catch (RuntimeException e) {
      first.close();
      throw e;
    }
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
    EtcdRef etcd =
        EtcdRef.start(
            dir.resolve("etcd"),
            1,
            progressInterval == null
                ? Map.of()
                : Map.of(
                    "ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL",
                    progressInterval.toMillis() + "ms"));
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

  private static ManagedChannel channel(String endpoint) {
    URI u = URI.create(endpoint);
    return ManagedChannelBuilder.forTarget(u.getHost() + ":" + u.getPort())
        .usePlaintext()
        .maxInboundMessageSize(16 << 20)
        .build();
  }

  /** Cairn's log so far, for failure messages. */
  String cairnLog() {
    return cairnProcess == null ? "" : cairnProcess.log();
  }

  @Override
  public void close() {
    etcd.channel().shutdownNow();
    cairn.channel().shutdownNow();
    try {
      if (cairnProcess != null) {
        cairnProcess.close();
      }
      if (secondEtcd != null) {
        secondEtcd.close();
      }
    } finally {
      etcdRef.close();
    }
  }
}
