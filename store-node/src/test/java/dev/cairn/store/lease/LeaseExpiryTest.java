package dev.cairn.store.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantResponse;
import dev.cairn.proto.etcdserverpb.LeaseGrpc;
import dev.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import dev.cairn.proto.etcdserverpb.LeaseKeepAliveResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import dev.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.WatchCreateRequest;
import dev.cairn.proto.etcdserverpb.WatchGrpc;
import dev.cairn.proto.etcdserverpb.WatchRequest;
import dev.cairn.proto.etcdserverpb.WatchResponse;
import dev.cairn.proto.mvccpb.Event;
import dev.cairn.store.support.KeyRange;
import dev.cairn.store.testing.StoreNodeProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lease expiry as clients see it, on a member in its own process: when the keys of a lease that is
 * not kept alive disappear, before and after a restart; that keep-alives hold them; that a revoke
 * deletes them in one revision.
 */
class LeaseExpiryTest {
  private static final Logger log = LoggerFactory.getLogger(LeaseExpiryTest.class);

  private static final Duration ELECTION_TIMEOUT = Duration.ofSeconds(1);

  /**
   * A restarted member, like etcd's new leader ({@code lessor.Promote(electionTimeout)}), does not
   * know how much of a lease's time was left: it gives every lease its full TTL plus one election
   * timeout from when it takes over, so that clients have time to find it and send keep-alives.
   * Keys may therefore outlive their TTL by up to this much after a restart.
   */
  private static final Duration RESTART_EXTENSION = ELECTION_TIMEOUT;

  /**
   * How late after its expiry a lease's keys may still be seen: the expiry sweep runs every 500 ms,
   * then the revoke goes through the log.
   */
  private static final Duration EXPIRY_SLACK = Duration.ofSeconds(1);

  private static final Duration POLL = Duration.ofMillis(50);

  @TempDir Path tmp;

  private StoreNodeProcess member;
  private ManagedChannel channel;
  private final List<Runnable> cleanups = new ArrayList<>();

  // The member's log, kept for a failed test's report (the data directory goes with the test).
  private volatile String memberLog;

  @RegisterExtension
  final TestWatcher logOnFailure =
      new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
          log.warn("member log of {}:\n{}", context.getDisplayName(), memberLog);
        }
      };

  @AfterEach
  void stop() {
    if (member != null) {
      memberLog = member.log();
    }
    cleanups.forEach(Runnable::run);
    if (channel != null) {
      channel.shutdownNow();
    }
    if (member != null) {
      member.close();
    }
  }

  private void startMember() {
    member =
        StoreNodeProcess.start(
            tmp.resolve("member"), "--election-timeout=" + ELECTION_TIMEOUT.toMillis());
    connect();
  }

  private void connect() {
    if (channel != null) {
      channel.shutdownNow();
    }
    channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", member.clientPort()).usePlaintext().build();
  }

  // ---- requests ----

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private KVGrpc.KVBlockingStub kv() {
    return KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private LeaseGrpc.LeaseBlockingStub lease() {
    return LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private LeaseGrantResponse grant(long ttl) {
    LeaseGrantResponse r = lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build());
    assertThat(r.getID()).isPositive();
    assertThat(r.getTTL()).isEqualTo(ttl);
    return r;
  }

  private List<String> putKeys(String prefix, long leaseId, int n) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String k = prefix + i;
      kv().put(PutRequest.newBuilder().setKey(b(k)).setValue(b("v" + i)).setLease(leaseId).build());
      keys.add(k);
    }
    return keys;
  }

  private long count(String prefix) {
    return kv().range(
            RangeRequest.newBuilder()
                .setKey(b(prefix))
                .setRangeEnd(ByteString.copyFrom(KeyRange.prefixEnd(bytes(prefix))))
                .setCountOnly(true)
                .build())
        .getCount();
  }

  private LeaseTimeToLiveResponse timeToLive(long id) {
    return lease()
        .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  // ---- observing ----

  /** A watch on a prefix recording each response with DELETE events, and when it came. */
  private final class Watch implements StreamObserver<WatchResponse> {
    record Received(long atNanos, WatchResponse response) {}

    final List<Received> responses = new CopyOnWriteArrayList<>();
    private volatile boolean created;
    private volatile Throwable failed;
    private final StreamObserver<WatchRequest> requests;

    Watch(String prefix) {
      requests = WatchGrpc.newStub(channel).watch(this);
      requests.onNext(
          WatchRequest.newBuilder()
              .setCreateRequest(
                  WatchCreateRequest.newBuilder()
                      .setKey(b(prefix))
                      .addFilters(WatchCreateRequest.FilterType.NOPUT)
                      .setRangeEnd(ByteString.copyFrom(KeyRange.prefixEnd(bytes(prefix)))))
              .build());
      await()
          .atMost(Duration.ofSeconds(10))
          .failFast("the watch stream failed", () -> failed != null)
          .until(() -> created);
      cleanups.add(() -> requests.onError(new RuntimeException("test done")));
    }

    @Override
    public void onNext(WatchResponse r) {
      if (r.getCreated()) {
        created = true;
      } else if (r.getEventsCount() > 0) {
        responses.add(new Received(System.nanoTime(), r));
      }
    }

    @Override
    public void onError(Throwable t) {
      failed = t;
      log.info("watch stream ended: {}", t.toString());
    }

    @Override
    public void onCompleted() {}

    List<Event> events() {
      List<Event> out = new ArrayList<>();
      responses.forEach(r -> out.addAll(r.response().getEventsList()));
      return out;
    }
  }

  /** One Range: when it was sent, when it returned, how many keys it found. */
  private record Sample(long sentNanos, long returnedNanos, long count) {}

  /** Polls the key count every 50 ms until the keys are gone; returns every poll. */
  private List<Sample> pollUntilGone(String prefix, Duration atMost) {
    List<Sample> samples = new ArrayList<>();
    await()
        .pollDelay(Duration.ZERO)
        .pollInterval(POLL)
        .atMost(atMost)
        .until(
            () -> {
              long sent = System.nanoTime();
              long n = count(prefix);
              samples.add(new Sample(sent, System.nanoTime(), n));
              return n == 0;
            });
    return samples;
  }

  /**
   * Checks that the keys were there at every poll sent before {@code notBefore} and gone by {@code
   * notAfter}, that they went all at once, and that one watch response carried all their deletions,
   * inside the same window.
   */
  private void assertExpiredBetween(
      List<Sample> samples, Watch watch, List<String> keys, long notBefore, long notAfter) {
    Sample gone = samples.get(samples.size() - 1);
    Sample lastSeen = samples.size() > 1 ? samples.get(samples.size() - 2) : null;
    log.info(
        "after the earliest allowed expiry: keys last seen at {} s, first missing at {} s;"
            + " latest allowed {} s",
        lastSeen == null ? "never" : seconds(lastSeen.sentNanos() - notBefore),
        seconds(gone.returnedNanos() - notBefore),
        seconds(notAfter - notBefore));
    for (Sample s : samples) {
      assertThat(s.count()).as("keys go all at once").isIn(0L, (long) keys.size());
      if (s.sentNanos() < notBefore) {
        assertThat(s.count())
            .as(
                "keys at a poll %.3f s before the earliest expiry",
                seconds(notBefore - s.sentNanos()))
            .isEqualTo(keys.size());
      }
    }
    assertThat(gone.returnedNanos())
        .as("keys gone %.3f s after the latest expiry", seconds(gone.returnedNanos() - notAfter))
        .isLessThanOrEqualTo(notAfter);

    await().atMost(Duration.ofSeconds(5)).until(() -> !watch.responses.isEmpty());
    assertThat(watch.responses).hasSize(1);
    Watch.Received deletes = watch.responses.get(0);
    assertThat(deletes.response().getEventsList())
        .allSatisfy(e -> assertThat(e.getType()).isEqualTo(Event.EventType.DELETE))
        .extracting(e -> e.getKv().getKey().toStringUtf8())
        .containsExactlyElementsOf(keys);
    assertThat(deletes.response().getEventsList())
        .extracting(e -> e.getKv().getModRevision())
        .containsOnly(deletes.response().getHeader().getRevision());
    assertThat(deletes.atNanos()).isBetween(notBefore, notAfter);
  }

  // ---- expiry ----

  @Test
  void keysOfALeaseThatIsNotKeptAliveGoNoSoonerThanItsTtlAndWithinASecondAfter() {
    startMember();
    Watch watch = new Watch("exp/");
    long ttl = 3;
    long beforeGrant = System.nanoTime();
    LeaseGrantResponse g = grant(ttl);
    long granted = System.nanoTime();
    List<String> keys = putKeys("exp/k", g.getID(), 3);
    assertThat(timeToLive(g.getID()).getKeysCount()).isEqualTo(3);

    List<Sample> samples = pollUntilGone("exp/", Duration.ofSeconds(ttl + 5));
    assertExpiredBetween(
        samples,
        watch,
        keys,
        beforeGrant + TimeUnit.SECONDS.toNanos(ttl),
        granted + TimeUnit.SECONDS.toNanos(ttl) + EXPIRY_SLACK.toNanos());
    assertThat(timeToLive(g.getID()).getTTL()).as("an expired lease is unknown").isEqualTo(-1);
  }

  @Test
  void aLeaseAndItsKeysSurviveAGracefulRestartThenExpireTheirTtlAfterIt() {
    survivesRestartThenExpires(false);
  }

  @Test
  void aLeaseAndItsKeysSurviveKill9ThenExpireTheirTtlAfterTheRestart() {
    survivesRestartThenExpires(true);
  }

  /**
   * Grants a lease of 4 s, attaches keys, takes the member down for longer than the TTL, and
   * restarts it: the lease and keys are there, and expire TTL after the restart, plus at most one
   * election timeout and the usual slack.
   */
  private void survivesRestartThenExpires(boolean kill) {
    startMember();
    long ttl = 4;
    long beforeGrant = System.nanoTime();
    LeaseGrantResponse g = grant(ttl);
    List<String> keys = putKeys("restart/k", g.getID(), 3);
    // kill -9 right after the acknowledgements: the grant and puts may be only in the Raft log,
    // replayed at the restart; a graceful stop leaves them in the MVCC store.
    if (kill) {
      member.kill9();
    } else {
      assertThat(member.stop()).as("exit code of a graceful stop").isIn(0, 143);
    }
    // Down for longer than the TTL: what was left of it when the member stopped does not matter.
    await()
        .pollInterval(POLL)
        .atMost(Duration.ofSeconds(ttl + 2))
        .until(
            () -> System.nanoTime() - beforeGrant > TimeUnit.SECONDS.toNanos(ttl) + POLL.toNanos());

    long beforeRestart = System.nanoTime();
    member.restart();
    long serving = System.nanoTime();
    log.info("restarted in {} s", seconds(serving - beforeRestart));
    connect();
    Watch watch = new Watch("restart/");

    assertThat(count("restart/")).as("keys after the restart").isEqualTo(keys.size());
    LeaseTimeToLiveResponse ttlResp = timeToLive(g.getID());
    assertThat(ttlResp.getGrantedTTL()).isEqualTo(ttl);
    // Alive (an unknown lease would say -1); what is left depends on how long the start took.
    assertThat(ttlResp.getTTL()).isBetween(0L, ttl + RESTART_EXTENSION.toSeconds());
    assertThat(ttlResp.getKeysList())
        .extracting(ByteString::toStringUtf8)
        .containsExactlyElementsOf(keys);

    List<Sample> samples =
        pollUntilGone("restart/", Duration.ofSeconds(ttl + RESTART_EXTENSION.toSeconds() + 5));
    assertExpiredBetween(
        samples,
        watch,
        keys,
        beforeRestart + TimeUnit.SECONDS.toNanos(ttl),
        serving
            + TimeUnit.SECONDS.toNanos(ttl)
            + RESTART_EXTENSION.toNanos()
            + EXPIRY_SLACK.toNanos());
  }

  // ---- keep-alive ----

  @Test
  void keepAlivesHoldTheKeysForSeveralTtlsAndTheyExpireOnceTheyStop() {
    startMember();
    long ttl = 2;
    LeaseGrantResponse g = grant(ttl);
    List<String> keys = putKeys("alive/k", g.getID(), 2);

    List<LeaseKeepAliveResponse> answers = new CopyOnWriteArrayList<>();
    AtomicLong lastAnswer = new AtomicLong();
    AtomicInteger sent = new AtomicInteger();
    StreamObserver<LeaseKeepAliveRequest> keepAlive =
        LeaseGrpc.newStub(channel)
            .leaseKeepAlive(
                new StreamObserver<>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse r) {
                    answers.add(r);
                    lastAnswer.set(System.nanoTime());
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    cleanups.add(ticker::shutdownNow);
    LeaseKeepAliveRequest ping = LeaseKeepAliveRequest.newBuilder().setID(g.getID()).build();
    // A third of the TTL, as etcd's client does.
    var ticks =
        ticker.scheduleAtFixedRate(
            () -> {
              synchronized (keepAlive) {
                keepAlive.onNext(ping);
                sent.incrementAndGet();
              }
            },
            0,
            TimeUnit.SECONDS.toMillis(ttl) / 3,
            TimeUnit.MILLISECONDS);

    await()
        .during(Duration.ofSeconds(3 * ttl + 1))
        .atMost(Duration.ofSeconds(3 * ttl + 5))
        .pollInterval(POLL)
        .until(() -> count("alive/") == keys.size());
    assertThat(answers).hasSizeGreaterThan(6);
    assertThat(answers)
        .allSatisfy(
            a -> {
              assertThat(a.getID()).isEqualTo(g.getID());
              assertThat(a.getTTL()).isEqualTo(ttl);
            });

    ticks.cancel(false);
    await().atMost(Duration.ofSeconds(5)).until(ticks::isDone);
    synchronized (keepAlive) {
      keepAlive.onCompleted();
    }
    // Every keep-alive sent has been answered: none renews the lease after lastRenewal.
    await().atMost(Duration.ofSeconds(5)).until(() -> answers.size() == sent.get());
    long lastRenewal = lastAnswer.get();
    Watch watch = new Watch("alive/");
    List<Sample> samples = pollUntilGone("alive/", Duration.ofSeconds(ttl + 5));
    // The last renewal was answered at lastRenewal: the lease runs its TTL from before then.
    assertThat(samples.get(samples.size() - 1).returnedNanos() - lastRenewal)
        .isLessThanOrEqualTo(TimeUnit.SECONDS.toNanos(ttl) + EXPIRY_SLACK.toNanos());
    await().atMost(Duration.ofSeconds(5)).until(() -> watch.events().size() == keys.size());
    assertThat(watch.responses).hasSize(1);
  }

  @Test
  void aKeepAliveOfAnUnknownLeaseAnswersTtlZero() {
    startMember();
    List<LeaseKeepAliveResponse> answers = new CopyOnWriteArrayList<>();
    StreamObserver<LeaseKeepAliveRequest> keepAlive =
        LeaseGrpc.newStub(channel)
            .leaseKeepAlive(
                new StreamObserver<>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse r) {
                    answers.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(12345).build());
    await().atMost(Duration.ofSeconds(5)).until(() -> !answers.isEmpty());
    assertThat(answers.get(0).getID()).isEqualTo(12345);
    assertThat(answers.get(0).getTTL()).isZero();
    keepAlive.onCompleted();
  }

  // ---- revoke ----

  @Test
  void revokingDeletesEveryAttachedKeyInOneRevision() {
    startMember();
    kv().put(PutRequest.newBuilder().setKey(b("rev/plain")).setValue(b("stays")).build());
    LeaseGrantResponse other = grant(60);
    kv().put(
            PutRequest.newBuilder()
                .setKey(b("rev/other"))
                .setValue(b("other lease"))
                .setLease(other.getID())
                .build());
    LeaseGrantResponse g = grant(60);
    List<String> keys = putKeys("rev/k", g.getID(), 5);
    // A key moved to the lease and one moved off it.
    kv().put(
            PutRequest.newBuilder()
                .setKey(b("rev/moved"))
                .setValue(b("x"))
                .setLease(g.getID())
                .build());
    kv().put(PutRequest.newBuilder().setKey(b("rev/k4")).setValue(b("off")).build());
    keys.remove("rev/k4");
    keys.add("rev/moved");
    keys.sort(null);
    Watch watch = new Watch("rev/");

    LeaseRevokeResponse r =
        lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(g.getID()).build());
    long rev = r.getHeader().getRevision();

    await().atMost(Duration.ofSeconds(5)).until(() -> !watch.responses.isEmpty());
    assertThat(watch.responses).hasSize(1);
    WatchResponse deletes = watch.responses.get(0).response();
    assertThat(deletes.getHeader().getRevision()).isEqualTo(rev);
    assertThat(deletes.getEventsList())
        .allSatisfy(
            e -> {
              assertThat(e.getType()).isEqualTo(Event.EventType.DELETE);
              assertThat(e.getKv().getModRevision()).isEqualTo(rev);
            })
        .extracting(e -> e.getKv().getKey().toStringUtf8())
        .containsExactlyElementsOf(keys);
    assertThat(count("rev/")).isEqualTo(3); // plain, other, k4
    assertThat(timeToLive(g.getID()).getTTL()).isEqualTo(-1);
    assertThat(timeToLive(other.getID()).getKeysList())
        .extracting(ByteString::toStringUtf8)
        .containsExactly("rev/other");
  }
}
