package dev.cairn.store.compat;

import static dev.cairn.store.compat.WatchSession.watchPrefix;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantResponse;
import dev.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import dev.cairn.proto.etcdserverpb.LeaseKeepAliveResponse;
import dev.cairn.proto.etcdserverpb.LeaseLeasesRequest;
import dev.cairn.proto.etcdserverpb.LeaseLeasesResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import dev.cairn.proto.etcdserverpb.LeaseStatus;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.WatchResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends the same lease requests to a real etcd and to Cairn and requires the same answers: equal
 * responses apart from the cluster id, member id and raft term of headers, or the same gRPC code
 * and message. What etcd leaves to chance is compared by shape: a server-chosen lease id, the
 * remaining TTL (whole seconds, counting down), and the order of keys and leases in lists (Go map
 * order in etcd). Lease ids are chosen by the test otherwise, so that both servers write the same
 * key-values and stay at the same revision.
 */
class LeaseDifferentialTest {
  @TempDir static Path dir;
  private static EtcdAndCairn servers;

  @BeforeAll
  static void start() throws Exception {
    servers = EtcdAndCairn.start(dir);
  }

  @AfterAll
  static void stop() {
    if (servers != null) {
      servers.close();
    }
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** The call's response (normalized, then adjusted) or its status, as text. */
  private static <T extends Message> String outcome(
      EtcdAndCairn.Side side, Function<EtcdAndCairn.Side, T> call, Function<T, Message> adjust) {
    try {
      @SuppressWarnings("unchecked")
      T resp = (T) KvDifferentialTest.normalize(call.apply(side));
      return TextFormat.printer().shortDebugString(adjust.apply(resp));
    } catch (StatusRuntimeException e) {
      return "status " + e.getStatus().getCode() + " \"" + e.getStatus().getDescription() + "\"";
    }
  }

  /** Makes the call on etcd, then on Cairn, and requires the same outcome; returns it. */
  private static <T extends Message> String same(
      String what, Function<EtcdAndCairn.Side, T> call, Function<T, Message> adjust) {
    String fromEtcd = outcome(servers.etcd, call, adjust);
    String fromCairn = outcome(servers.cairn, call, adjust);
    assertThat(fromCairn)
        .as("%s: Cairn answers as etcd (etcd: %s)", what, fromEtcd)
        .isEqualTo(fromEtcd);
    System.out.printf("LeaseDifferentialTest: %s -> %.200s%n", what, fromEtcd);
    return fromEtcd;
  }

  private static <T extends Message> String same(String what, Function<EtcdAndCairn.Side, T> call) {
    return same(what, call, t -> t);
  }

  private static LeaseGrantRequest grant(long id, long ttl) {
    return LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build();
  }

  private static LeaseRevokeRequest revoke(long id) {
    return LeaseRevokeRequest.newBuilder().setID(id).build();
  }

  private static LeaseTimeToLiveRequest ttl(long id, boolean keys) {
    return LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(keys).build();
  }

  private static PutRequest put(String key, String value, long lease) {
    return PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).setLease(lease).build();
  }

  /**
   * Time to live in comparable form: the remaining TTL must lie in [granted - 2, granted] and is
   * then replaced by the granted TTL; the keys are sorted.
   */
  private static Message stableTtl(LeaseTimeToLiveResponse r) {
    LeaseTimeToLiveResponse.Builder b = r.toBuilder();
    if (r.getGrantedTTL() > 0) {
      assertThat(r.getTTL()).isBetween(r.getGrantedTTL() - 2, r.getGrantedTTL());
      b.setTTL(r.getGrantedTTL());
    }
    List<ByteString> keys = new ArrayList<>(r.getKeysList());
    keys.sort(ByteString.unsignedLexicographicalComparator());
    return b.clearKeys().addAllKeys(keys).build();
  }

  private static Message sortedLeases(LeaseLeasesResponse r) {
    List<LeaseStatus> leases = new ArrayList<>(r.getLeasesList());
    leases.sort(Comparator.comparingLong(LeaseStatus::getID));
    return r.toBuilder().clearLeases().addAllLeases(leases).build();
  }

  /** One keep-alive round trip on a fresh stream. */
  private static LeaseKeepAliveResponse keepAliveOnce(EtcdAndCairn.Side side, long id) {
    List<LeaseKeepAliveResponse> got = new CopyOnWriteArrayList<>();
    List<Throwable> failed = new CopyOnWriteArrayList<>();
    StreamObserver<LeaseKeepAliveRequest> req =
        side.leaseAsync()
            .leaseKeepAlive(
                new StreamObserver<>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse r) {
                    got.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    failed.add(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    req.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    Awaitility.await("keep-alive response from " + side.name())
        .atMost(Duration.ofSeconds(10))
        .failFast(() -> !failed.isEmpty())
        .until(() -> !got.isEmpty());
    req.onCompleted();
    return got.get(0);
  }

  // ---- grant ----

  @Test
  void grantWithAServerChosenId() {
    List<LeaseGrantResponse> granted = new ArrayList<>();
    for (EtcdAndCairn.Side side : List.of(servers.etcd, servers.cairn)) {
      LeaseGrantResponse r = side.lease().leaseGrant(grant(0, 60));
      granted.add(r);
      assertThat(r.getID()).as("%s chooses a positive id", side.name()).isPositive();
      assertThat(r.getTTL()).isEqualTo(60);
      assertThat(r.getError()).isEmpty();
    }
    assertThat(granted.get(1).getHeader().getRevision())
        .isEqualTo(granted.get(0).getHeader().getRevision());
    // The ids differ by nature; each server revokes its own, leaving both alike.
    servers.etcd.lease().leaseRevoke(revoke(granted.get(0).getID()));
    servers.cairn.lease().leaseRevoke(revoke(granted.get(1).getID()));
  }

  @Test
  void grantWithAChosenIdAndTheSameIdAgain() {
    same("grant 0x1001", s -> s.lease().leaseGrant(grant(0x1001, 30)));
    String again = same("grant 0x1001 again", s -> s.lease().leaseGrant(grant(0x1001, 30)));
    assertThat(again).isEqualTo("status FAILED_PRECONDITION \"etcdserver: lease already exists\"");
    same("grant a negative id", s -> s.lease().leaseGrant(grant(-7, 30)));
    same("revoke 0x1001", s -> s.lease().leaseRevoke(revoke(0x1001)));
    same("revoke -7", s -> s.lease().leaseRevoke(revoke(-7)));
  }

  @Test
  void aTtlBelowTheMinimumIsRaisedToIt() {
    for (long ttl : new long[] {1, 0, -5}) {
      long id = 0x1100 + ttl + 10;
      String r = same("grant TTL " + ttl, s -> s.lease().leaseGrant(grant(id, ttl)));
      assertThat(r).contains("TTL: 2");
      same("time to live", s -> s.lease().leaseTimeToLive(ttl(id, false)), t -> stableTtl(t));
      same("revoke", s -> s.lease().leaseRevoke(revoke(id)));
    }
  }

  @Test
  void aTtlAboveTheMaximumIsRefused() {
    String r = same("grant TTL 9e9 + 1", s -> s.lease().leaseGrant(grant(0x1201, 9_000_000_001L)));
    assertThat(r).isEqualTo("status OUT_OF_RANGE \"etcdserver: too large lease TTL\"");
    same("the id is still free", s -> s.lease().leaseTimeToLive(ttl(0x1201, false)));
    same("grant TTL 9e9", s -> s.lease().leaseGrant(grant(0x1201, 9_000_000_000L)));
    same(
        "time to live of the longest lease",
        s -> s.lease().leaseTimeToLive(ttl(0x1201, false)),
        t -> stableTtl(t));
    same("revoke", s -> s.lease().leaseRevoke(revoke(0x1201)));
  }

  // ---- revoke, time to live, list ----

  @Test
  void revokeTwiceAndRevokeUnknown() {
    same("grant", s -> s.lease().leaseGrant(grant(0x1301, 60)));
    same("revoke", s -> s.lease().leaseRevoke(revoke(0x1301)));
    String twice = same("revoke again", s -> s.lease().leaseRevoke(revoke(0x1301)));
    assertThat(twice).isEqualTo("status NOT_FOUND \"etcdserver: requested lease not found\"");
    same("revoke never granted", s -> s.lease().leaseRevoke(revoke(0x13ff)));
    same("revoke id 0", s -> s.lease().leaseRevoke(revoke(0)));
  }

  @Test
  void timeToLiveOfUnknownLeasesAndLeaseList() {
    String unknown =
        same("time to live unknown", s -> s.lease().leaseTimeToLive(ttl(0x1401, true)));
    assertThat(unknown).contains("ID: 5121 TTL: -1");
    same("grant a", s -> s.lease().leaseGrant(grant(0x1402, 60)));
    same("grant b", s -> s.lease().leaseGrant(grant(0x1403, 120)));
    String list =
        same(
            "leases",
            s -> s.lease().leaseLeases(LeaseLeasesRequest.getDefaultInstance()),
            r -> sortedLeases(r));
    assertThat(list).contains("ID: 5122").contains("ID: 5123");
    same("revoke a", s -> s.lease().leaseRevoke(revoke(0x1402)));
    same(
        "leases after a revoke",
        s -> s.lease().leaseLeases(LeaseLeasesRequest.getDefaultInstance()),
        r -> sortedLeases(r));
    same("revoke b", s -> s.lease().leaseRevoke(revoke(0x1403)));
  }

  @Test
  void keysAttachDetachAndMoveBetweenLeases() {
    long a = 0x1501;
    long b = 0x1502;
    same("grant a", s -> s.lease().leaseGrant(grant(a, 100)));
    same("grant b", s -> s.lease().leaseGrant(grant(b, 200)));
    same("put k/1 on a", s -> s.kv().put(put("k/1", "1", a)));
    same("put k/2 on a", s -> s.kv().put(put("k/2", "2", a)));
    same("put k/3 on a", s -> s.kv().put(put("k/3", "3", a)));
    same("put k/4 on a", s -> s.kv().put(put("k/4", "4", a)));
    same(
        "put k/1 ignore_lease keeps it on a",
        s ->
            s.kv()
                .put(put("k/1", "1b", 0).toBuilder().setIgnoreLease(true).setPrevKv(true).build()));
    same("put k/2 without a lease detaches it", s -> s.kv().put(put("k/2", "2b", 0)));
    same("put k/3 on b moves it", s -> s.kv().put(put("k/3", "3b", b)));
    same(
        "a txn puts k/5 on b",
        s ->
            s.kv()
                .txn(
                    TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder().setRequestPut(put("k/5", "5", b)))
                        .build()));
    same(
        "delete k/4 detaches it",
        s -> s.kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("k/4")).build()));
    String ttlA =
        same(
            "time to live a with keys",
            s -> s.lease().leaseTimeToLive(ttl(a, true)),
            t -> stableTtl(t));
    assertThat(ttlA).contains("keys: \"k/1\"").doesNotContain("k/2").doesNotContain("k/3");
    String ttlB =
        same(
            "time to live b with keys",
            s -> s.lease().leaseTimeToLive(ttl(b, true)),
            t -> stableTtl(t));
    assertThat(ttlB).contains("keys: \"k/3\"").contains("keys: \"k/5\"");
    same(
        "time to live b without keys",
        s -> s.lease().leaseTimeToLive(ttl(b, false)),
        t -> stableTtl(t));
    same(
        "the key-values carry their leases",
        s ->
            s.kv().range(RangeRequest.newBuilder().setKey(bs("k/")).setRangeEnd(bs("k0")).build()));
    same("revoke a", s -> s.lease().leaseRevoke(revoke(a)));
    same("revoke b", s -> s.lease().leaseRevoke(revoke(b)));
    same(
        "only the detached key is left",
        s ->
            s.kv().range(RangeRequest.newBuilder().setKey(bs("k/")).setRangeEnd(bs("k0")).build()));
  }

  @Test
  void writesNamingAnUnknownLeaseAreRefused() {
    String p = same("put on an unknown lease", s -> s.kv().put(put("u/1", "1", 0x1601)));
    assertThat(p).isEqualTo("status NOT_FOUND \"etcdserver: requested lease not found\"");
    same(
        "txn put on an unknown lease",
        s ->
            s.kv()
                .txn(
                    TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder().setRequestPut(put("u/2", "2", 0x1601)))
                        .build()));
    same(
        "put with ignore_lease and a lease",
        s -> s.kv().put(put("u/1", "1", 0x1601).toBuilder().setIgnoreLease(true).build()));
    same(
        "nothing was written",
        s ->
            s.kv().range(RangeRequest.newBuilder().setKey(bs("u/")).setRangeEnd(bs("u0")).build()));
  }

  @Test
  void keepAliveRenewsKnownLeasesAndAnswersZeroForUnknownOnes() {
    same("keep-alive unknown", s -> keepAliveOnce(s, 0x1701));
    same("grant", s -> s.lease().leaseGrant(grant(0x1702, 45)));
    String k = same("keep-alive known", s -> keepAliveOnce(s, 0x1702));
    assertThat(k).contains("TTL: 45");
    same("revoke", s -> s.lease().leaseRevoke(revoke(0x1702)));
    same("keep-alive revoked", s -> keepAliveOnce(s, 0x1702));
  }

  // ---- expiry ----

  /**
   * A lease of TTL 2 with keys, granted on both servers at once: both delete the keys when it
   * expires, in one revision a watcher sees as DELETE events. Cairn must not expire it before its
   * TTL and must within TTL + 1.5 s; etcd's own timing is not compared.
   */
  @Test
  void anExpiredLeaseDeletesItsKeys() {
    long id = 0x1801;
    List<WatchSession> streams = new ArrayList<>();
    long[] grantSent = new long[2];
    long[] granted = new long[2];
    List<EtcdAndCairn.Side> sides = List.of(servers.etcd, servers.cairn);
    try {
      for (int i = 0; i < 2; i++) {
        EtcdAndCairn.Side side = sides.get(i);
        WatchSession s = new WatchSession(side.watch());
        streams.add(s);
        s.create(watchPrefix("exp/").setPrevKv(true));
        s.awaitCreated(1);
        grantSent[i] = System.nanoTime();
        side.lease().leaseGrant(grant(id, 2));
        granted[i] = System.nanoTime();
        side.kv().put(put("exp/a", "1", id));
        side.kv().put(put("exp/b", "2", id));
        side.kv().put(put("exp/c", "kept", 0));
      }
      for (int i = 0; i < 2; i++) {
        streams
            .get(i)
            .await(
                sides.get(i).name() + " deletes the keys of the expired lease",
                r -> r.getEventsCount() > 0 && r.getEvents(0).getType().name().equals("DELETE"));
      }
      WatchSession.Received deleted =
          streams.get(1).received().stream()
              .filter(r -> r.response().getEventsCount() > 0)
              .filter(r -> r.response().getEvents(0).getType().name().equals("DELETE"))
              .findFirst()
              .orElseThrow();
      Duration sinceSent = Duration.ofNanos(deleted.nanos() - grantSent[1]);
      Duration sinceGranted = Duration.ofNanos(deleted.nanos() - granted[1]);
      System.out.printf(
          "LeaseDifferentialTest: Cairn deleted the keys %d ms after the grant was sent%n",
          sinceSent.toMillis());
      assertThat(sinceSent)
          .as("Cairn expires no earlier than the TTL")
          .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
      assertThat(sinceGranted)
          .as("Cairn expires within TTL + 1.5 s")
          .isLessThanOrEqualTo(Duration.ofMillis(3500));

      List<String> fromEtcd =
          streams.get(0).responses().stream().map(LeaseDifferentialTest::text).toList();
      List<String> fromCairn =
          streams.get(1).responses().stream().map(LeaseDifferentialTest::text).toList();
      assertThat(fromCairn).as("what a watcher sees").isEqualTo(fromEtcd);
      assertThat(fromEtcd.get(fromEtcd.size() - 1))
          .contains("type: DELETE kv { key: \"exp/a\"")
          .contains("type: DELETE kv { key: \"exp/b\"");
    } finally {
      streams.forEach(WatchSession::close);
    }
    same("the lease is gone", s -> s.lease().leaseTimeToLive(ttl(id, true)));
    same("keep-alive of the expired lease", s -> keepAliveOnce(s, id));
    same("revoke of the expired lease", s -> s.lease().leaseRevoke(revoke(id)));
    same(
        "only the key without a lease is left",
        s ->
            s.kv()
                .range(
                    RangeRequest.newBuilder().setKey(bs("exp/")).setRangeEnd(bs("exp0")).build()));
    same(
        "no lease is left",
        s -> s.lease().leaseLeases(LeaseLeasesRequest.getDefaultInstance()),
        r -> sortedLeases(r));
  }

  private static String text(WatchResponse r) {
    return TextFormat.printer().shortDebugString(KvDifferentialTest.normalize(r));
  }
}
