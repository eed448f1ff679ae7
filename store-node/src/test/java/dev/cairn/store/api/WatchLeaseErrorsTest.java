package dev.cairn.store.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.CompactionRequest;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrpc;
import dev.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import dev.cairn.proto.etcdserverpb.LeaseKeepAliveResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.WatchCancelRequest;
import dev.cairn.proto.etcdserverpb.WatchCreateRequest;
import dev.cairn.proto.etcdserverpb.WatchGrpc;
import dev.cairn.proto.etcdserverpb.WatchRequest;
import dev.cairn.proto.etcdserverpb.WatchResponse;
import dev.cairn.store.testing.InProcessMember;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad lease and watch input gets etcd's exact code and message (or, on a watch stream, etcd's
 * refusal response), changes nothing, and leaves the member serving: after every test the key
 * written first is still there, and a new watch still gets its events.
 */
class WatchLeaseErrorsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir static Path dir;
  private static InProcessMember member;
  private static ManagedChannel channel;
  private static KVGrpc.KVBlockingStub kv;
  private static LeaseGrpc.LeaseBlockingStub lease;

  @BeforeAll
  static void start() throws Exception {
    member = new InProcessMember(dir);
    channel = member.channel();
    kv = KVGrpc.newBlockingStub(channel);
    lease = LeaseGrpc.newBlockingStub(channel);
    kv.put(put("sentinel", "kept", 0));
  }

  @AfterAll
  static void stop() {
    try (Stream s = new Stream()) {
      s.create(WatchCreateRequest.newBuilder().setKey(bs("after/all")));
      s.await("created", WatchResponse::getCreated);
      long rev = kv.put(put("after/all", "1", 0)).getHeader().getRevision();
      s.await("an event after every bad request", r -> r.getEventsCount() == 1);
      assertThat(s.responses().get(1).getEvents(0).getKv().getModRevision()).isEqualTo(rev);
      assertThat(
              kv.range(RangeRequest.newBuilder().setKey(bs("sentinel")).build())
                  .getKvs(0)
                  .getValue())
          .isEqualTo(bs("kept"));
    } finally {
      channel.shutdownNow();
      member.close();
    }
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static PutRequest put(String k, String v, long leaseId) {
    return PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v)).setLease(leaseId).build();
  }

  private static LeaseGrantRequest grant(long id, long ttl) {
    return LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build();
  }

  private static void assertError(Supplier<?> call, Status.Code code, String message) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::get);
    assertThat(e).as("expected %s %s", code, message).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    assertThat(e.getStatus().getDescription()).isEqualTo(message);
  }

  private static long revision() {
    return kv.range(RangeRequest.newBuilder().setKey(bs("sentinel")).build())
        .getHeader()
        .getRevision();
  }

  /** A raw watch stream recording its responses. */
  private static final class Stream implements AutoCloseable {
    final List<WatchResponse> got = new CopyOnWriteArrayList<>();
    volatile Throwable failure;
    final ClientCallStreamObserver<WatchRequest> out;

    Stream() {
      out =
          (ClientCallStreamObserver<WatchRequest>)
              WatchGrpc.newStub(channel)
                  .watch(
                      new StreamObserver<>() {
                        @Override
                        public void onNext(WatchResponse r) {
                          got.add(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                          failure = t;
                        }

                        @Override
                        public void onCompleted() {}
                      });
    }

    void create(WatchCreateRequest.Builder c) {
      out.onNext(WatchRequest.newBuilder().setCreateRequest(c).build());
    }

    void cancel(long id) {
      out.onNext(
          WatchRequest.newBuilder()
              .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(id))
              .build());
    }

    List<WatchResponse> responses() {
      return List.copyOf(got);
    }

    WatchResponse await(String what, Predicate<WatchResponse> p) {
      Awaitility.await(what)
          .atMost(WAIT)
          .failFast("the stream failed", () -> failure != null)
          .until(() -> got.stream().anyMatch(p));
      return got.stream().filter(p).findFirst().orElseThrow();
    }

    @Override
    public void close() {
      out.cancel("done", null);
    }
  }

  // ---- leases ----

  @Test
  void writesNamingAnUnknownLease() {
    long rev = revision();
    assertError(
        () -> kv.put(put("u/a", "1", 0x7001)),
        Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found");
    assertError(
        () ->
            kv.txn(
                TxnRequest.newBuilder()
                    .addSuccess(RequestOp.newBuilder().setRequestPut(put("u/b", "1", 0x7001)))
                    .build()),
        Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found");
    assertThat(revision()).as("nothing written").isEqualTo(rev);
  }

  @Test
  void aTooLargeTtl() {
    assertError(
        () -> lease.leaseGrant(grant(0x7101, 9_000_000_001L)),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: too large lease TTL");
    assertError(
        () -> lease.leaseGrant(grant(0, Long.MAX_VALUE)),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: too large lease TTL");
    assertThat(lease.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(0x7101).build()))
        .extracting(LeaseTimeToLiveResponse::getTTL)
        .isEqualTo(-1L);
  }

  @Test
  void revokingTwiceAndRevokingUnknownLeases() {
    lease.leaseGrant(grant(0x7201, 60));
    lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(0x7201).build());
    assertError(
        () -> lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(0x7201).build()),
        Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found");
    assertError(
        () -> lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(0x72ff).build()),
        Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found");
  }

  @Test
  void grantingAnIdInUse() {
    lease.leaseGrant(grant(0x7301, 60));
    assertError(
        () -> lease.leaseGrant(grant(0x7301, 30)),
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: lease already exists");
    LeaseTimeToLiveResponse ttl =
        lease.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(0x7301).build());
    assertThat(ttl.getGrantedTTL()).as("the first grant stands").isEqualTo(60);
    lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(0x7301).build());
  }

  @Test
  void unknownLeasesAreNotErrorsForTimeToLiveAndKeepAlive() {
    LeaseTimeToLiveResponse ttl =
        lease.leaseTimeToLive(
            LeaseTimeToLiveRequest.newBuilder().setID(0x7401).setKeys(true).build());
    assertThat(ttl.getID()).isEqualTo(0x7401);
    assertThat(ttl.getTTL()).isEqualTo(-1);
    assertThat(ttl.getGrantedTTL()).isZero();
    assertThat(ttl.getKeysList()).isEmpty();

    List<LeaseKeepAliveResponse> got = new CopyOnWriteArrayList<>();
    StreamObserver<LeaseKeepAliveRequest> req =
        LeaseGrpc.newStub(channel)
            .leaseKeepAlive(
                new StreamObserver<>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse r) {
                    got.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    req.onNext(LeaseKeepAliveRequest.newBuilder().setID(0x7401).build());
    Awaitility.await().atMost(WAIT).until(() -> !got.isEmpty());
    assertThat(got.get(0).getID()).isEqualTo(0x7401);
    assertThat(got.get(0).getTTL()).isZero();
    assertThat(got.get(0).getHeader().getRevision()).isPositive();
    req.onCompleted();
  }

  // ---- watches ----

  @Test
  void emptyRangesNegativeStartsAndDuplicateIdsAreRefusedOnALiveStream() {
    try (Stream s = new Stream()) {
      long rev = revision();
      s.create(WatchCreateRequest.newBuilder().setKey(bs("w/b")).setRangeEnd(bs("w/a")));
      s.create(WatchCreateRequest.newBuilder().setKey(bs("w/b")).setRangeEnd(bs("w/b")));
      s.create(WatchCreateRequest.newBuilder().setKey(bs("w/b")).setStartRevision(-3));
      s.create(WatchCreateRequest.newBuilder().setKey(bs("w/b")).setWatchId(9));
      s.create(WatchCreateRequest.newBuilder().setKey(bs("w/b")).setWatchId(9));
      s.cancel(12345); // unknown: ignored
      s.create(WatchCreateRequest.newBuilder().setKey(bs("w/b")));
      Awaitility.await()
          .atMost(WAIT)
          .until(() -> s.responses().stream().filter(WatchResponse::getCreated).count() == 6);
      List<WatchResponse> r = s.responses();
      assertThat(r)
          .extracting(WatchResponse::getWatchId)
          .containsExactly(-1L, -1L, -1L, 9L, -1L, 0L);
      assertThat(r).allMatch(WatchResponse::getCreated);
      assertThat(r)
          .extracting(WatchResponse::getCanceled)
          .containsExactly(true, true, true, false, true, false);
      assertThat(r)
          .extracting(WatchResponse::getCancelReason)
          .containsExactly(
              "mvcc: watcher range is empty",
              "mvcc: watcher range is empty",
              "etcdserver: mvcc: required revision has been compacted",
              "",
              "mvcc: duplicate watch ID provided on the WatchStream",
              "");
      assertThat(r).allMatch(x -> x.getHeader().getRevision() == rev);
      assertThat(r).allMatch(x -> x.getHeader().getMemberId() != 0);

      long put = kv.put(put("w/b", "1", 0)).getHeader().getRevision();
      s.await("watch 0 gets the event", x -> x.getWatchId() == 0 && x.getEventsCount() == 1);
      s.await("watch 9 gets the event", x -> x.getWatchId() == 9 && x.getEventsCount() == 1);
      assertThat(s.responses())
          .filteredOn(x -> x.getEventsCount() > 0)
          .allMatch(x -> x.getHeader().getRevision() == put);
    }
  }

  @Test
  void aStreamThatGoesAwayLeavesNoWatchers() {
    int before = member.server().watchable().size();
    Stream s = new Stream();
    for (int i = 0; i < 5; i++) {
      s.create(WatchCreateRequest.newBuilder().setKey(bs("gone/" + i)));
    }
    s.create(WatchCreateRequest.newBuilder().setKey(bs("gone/")).setStartRevision(1));
    Awaitility.await()
        .atMost(WAIT)
        .until(() -> s.responses().stream().filter(WatchResponse::getCreated).count() == 6);
    assertThat(member.server().watchable().size()).isGreaterThanOrEqualTo(before + 5);
    s.close();
    Awaitility.await("the member drops the stream's watchers")
        .atMost(WAIT)
        .until(() -> member.server().watchable().size() == before);
  }

  @Test
  void aStartRevisionBeforeTheCompactionCancelsTheWatch() {
    long first = kv.put(put("wc/a", "1", 0)).getHeader().getRevision();
    kv.put(put("wc/a", "2", 0));
    long at = kv.put(put("wc/a", "3", 0)).getHeader().getRevision();
    kv.compact(CompactionRequest.newBuilder().setRevision(at).build());
    try (Stream s = new Stream()) {
      s.create(WatchCreateRequest.newBuilder().setKey(bs("wc/a")).setStartRevision(first));
      s.create(WatchCreateRequest.newBuilder().setKey(bs("wc/a")).setStartRevision(at));
      WatchResponse canceled =
          s.await("compacted", r -> r.getWatchId() == 0 && r.getCompactRevision() != 0);
      assertThat(canceled.getCanceled()).isTrue();
      assertThat(canceled.getCompactRevision()).isEqualTo(at);
      assertThat(canceled.getCancelReason()).isEmpty();
      assertThat(canceled.getCreated()).isFalse();
      WatchResponse served = s.await("served", r -> r.getWatchId() == 1 && r.getEventsCount() > 0);
      assertThat(served.getEvents(0).getKv().getModRevision()).isEqualTo(at);
      assertThat(s.responses().get(0).getCreated()).as("created comes first").isTrue();
      assertThat(s.responses().get(0).getWatchId()).isZero();
      // The compacted watch keeps its id until canceled, as etcd's does.
      s.cancel(0);
      s.await(
          "cancel answered",
          r -> r.getWatchId() == 0 && r.getCanceled() && r.getCompactRevision() == 0);
    }
  }
}
