package dev.cairn.store.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrpc;
import dev.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.proto.v3electionpb.ElectionGrpc;
import dev.cairn.proto.v3lockpb.LockGrpc;
import dev.cairn.store.testing.EtcdRef;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The servers the coordination tests talk to: a real etcd, whose own Election and Lock services
 * (etcd serves them on its client port) are the reference, and Cairn's {@link ElectionService} and
 * {@link LockService} in a gRPC server on loopback, whose KV, Lease and Watch calls go to {@link
 * #backendEndpoint()}.
 */
final class CoordinationHarness implements AutoCloseable {
  /** Where the services under test send their etcd calls: a real etcd unless told otherwise. */
  static final String BACKEND_PROPERTY = "cairn.coordination.backend";

  private final EtcdRef etcd;
  private final String backendEndpoint;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final Server server;
  private final Target reference;
  private final Target underTest;

  private CoordinationHarness(Path dir) {
    this.etcd = EtcdRef.start(dir, 1);
    this.backendEndpoint = System.getProperty(BACKEND_PROPERTY, etcd.endpoint());
    ManagedChannel etcdChannel = channel(etcd.endpoint());
    ManagedChannel backend = channel(backendEndpoint);
    try {
      this.server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(new ElectionService(backend))
              .addService(new LockService(backend))
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ManagedChannel services = channel("http://127.0.0.1:" + server.getPort());
    this.reference = new Target("etcd", etcdChannel, etcdChannel);
    this.underTest = new Target("cairn", services, backend);
  }

  static CoordinationHarness start(Path dir) {
    return new CoordinationHarness(dir);
  }

  /**
   * The client URL of the KV, Lease and Watch services behind the services under test: the real
   * etcd, or a Cairn member given as {@code -Dcairn.coordination.backend=http://HOST:PORT}.
   */
  String backendEndpoint() {
    return backendEndpoint;
  }

  /** etcd's own Election and Lock services, over etcd. */
  Target reference() {
    return reference;
  }

  /** Cairn's services, over {@link #backendEndpoint()}. */
  Target underTest() {
    return underTest;
  }

  private ManagedChannel channel(String endpoint) {
    URI u = URI.create(endpoint);
    ManagedChannel c =
        ManagedChannelBuilder.forAddress(u.getHost(), u.getPort()).usePlaintext().build();
    channels.add(c);
    return c;
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    channels.forEach(ManagedChannel::shutdownNow);
    server.awaitTermination(10, TimeUnit.SECONDS);
    etcd.close();
  }

  /**
   * Election and Lock services ({@code services}) and the KV and Lease services of the store they
   * keep their keys in ({@code backend}), for setting up and checking a scenario.
   */
  record Target(String name, ManagedChannel services, ManagedChannel backend) {
    KVGrpc.KVBlockingStub kv() {
      return KVGrpc.newBlockingStub(backend).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    LeaseGrpc.LeaseBlockingStub leases() {
      return LeaseGrpc.newBlockingStub(backend).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    long grantLease() {
      return leases().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
    }

    void revoke(long lease) {
      try {
        leases().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
      }
    }

    long revision() {
      return kv().range(RangeRequest.newBuilder().setKey(EtcdClient.keyPrefix(bs("x"))).build())
          .getHeader()
          .getRevision();
    }

    /** The keys under {@code prefix + "/"}, oldest first. */
    RangeResponse queue(String prefix) {
      var p = EtcdClient.keyPrefix(bs(prefix));
      return kv().range(
              RangeRequest.newBuilder()
                  .setKey(p)
                  .setRangeEnd(EtcdClient.prefixEnd(p))
                  .setSortTarget(RangeRequest.SortTarget.CREATE)
                  .setSortOrder(RangeRequest.SortOrder.ASCEND)
                  .build());
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** A scenario: the same steps, run once against each target. */
  interface Scenario {
    void run(Run run) throws Exception;
  }

  /**
   * Runs {@code scenario} against etcd's own services and then against Cairn's (each asserting what
   * it expects on the way) and requires both transcripts to be equal. Returns Cairn's.
   */
  List<String> sameOnBoth(Scenario scenario) throws Exception {
    List<String> etcd = run(reference, scenario);
    List<String> cairn = run(underTest, scenario);
    if (Boolean.getBoolean("cairn.coordination.print")) {
      etcd.forEach(line -> System.out.println("etcd  | " + line));
      cairn.forEach(line -> System.out.println("cairn | " + line));
    }
    assertThat(cairn).as("Cairn's transcript against etcd's").containsExactlyElementsOf(etcd);
    return cairn;
  }

  /** Runs {@code scenario} against {@code target}, then revokes its leases and deletes its keys. */
  static List<String> run(Target target, Scenario scenario) throws Exception {
    try (Run run = new Run(target)) {
      scenario.run(run);
      return run.transcript().lines();
    }
  }

  /**
   * One run of a scenario: the target's stubs, the transcript, and the leases and key prefixes to
   * clean up afterwards.
   */
  static final class Run implements AutoCloseable {
    private final Target target;
    private final Transcript transcript;
    private final List<Long> leases = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();

    Run(Target target) {
      this.target = target;
      this.transcript = new Transcript(target.revision());
    }

    Target target() {
      return target;
    }

    Transcript transcript() {
      return transcript;
    }

    /** A new 60 s lease, named {@code name} in the transcript and revoked at the end. */
    long grant(String name) {
      return adopt(target.grantLease(), name);
    }

    /** A lease a service granted, named in the transcript and revoked at the end. */
    long adopt(long lease, String name) {
      leases.add(lease);
      return transcript.lease(lease, name);
    }

    /** A lock or election name whose keys are deleted at the end. */
    String name(String name) {
      prefixes.add(name);
      return name;
    }

    LockGrpc.LockBlockingStub lock() {
      return LockGrpc.newBlockingStub(target.services()).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    LockGrpc.LockFutureStub lockAsync() {
      return LockGrpc.newFutureStub(target.services()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    ElectionGrpc.ElectionBlockingStub election() {
      return ElectionGrpc.newBlockingStub(target.services())
          .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    ElectionGrpc.ElectionFutureStub electionAsync() {
      return ElectionGrpc.newFutureStub(target.services()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    ElectionGrpc.ElectionStub electionStreams() {
      return ElectionGrpc.newStub(target.services());
    }

    /** Waits until {@code count} keys are queued under {@code name}; returns them, oldest first. */
    List<KeyValue> awaitQueue(String name, int count) {
      return await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> target.queue(name).getKvsList(), kvs -> kvs.size() == count);
    }

    @Override
    public void close() {
      leases.forEach(target::revoke);
      for (String p : prefixes) {
        ByteString prefix = EtcdClient.keyPrefix(bs(p));
        target
            .kv()
            .deleteRange(
                DeleteRangeRequest.newBuilder()
                    .setKey(prefix)
                    .setRangeEnd(EtcdClient.prefixEnd(prefix))
                    .build());
      }
    }
  }
}
