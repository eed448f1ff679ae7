package dev.cairn.store.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.testing.Etcdctl;
import dev.cairn.store.testing.InProcessMember;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Watch and Lease clients users already have, unchanged: jetcd and etcdctl. */
class WatchLeaseClientsTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir static Path dir;
  private static InProcessMember member;
  private static Client client;

  @BeforeAll
  static void start() throws Exception {
    member = new InProcessMember(dir);
    client = Client.builder().endpoints(member.endpoint()).build();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    member.close();
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String str(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  /** A jetcd watch listener that records what it is told. */
  private static final class Recorder implements Watch.Listener {
    final List<WatchResponse> responses = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();

    @Override
    public void onNext(WatchResponse r) {
      responses.add(r);
    }

    @Override
    public void onError(Throwable t) {
      errors.add(t);
    }

    @Override
    public void onCompleted() {}

    /** "PUT key=value" / "DELETE key (prev=value)" for every event so far. */
    List<String> events() {
      List<String> out = new ArrayList<>();
      for (WatchResponse r : responses) {
        for (WatchEvent e : r.getEvents()) {
          String s = e.getEventType() + " " + str(e.getKeyValue().getKey());
          if (e.getEventType() == WatchEvent.EventType.PUT) {
            s += "=" + str(e.getKeyValue().getValue());
          }
          if (e.getPrevKV() != null
              && e.getPrevKV().getKey() != null
              && !e.getPrevKV().getKey().isEmpty()) {
            s += " (prev=" + str(e.getPrevKV().getValue()) + ")";
          }
          out.add(s);
        }
      }
      return out;
    }

    void awaitEvents(int n) {
      Awaitility.await("%d events".formatted(n))
          .atMost(WAIT)
          .failFast("the watch failed", () -> !errors.isEmpty())
          .until(() -> events().size() >= n);
    }

    void awaitCreated() {
      Awaitility.await("created")
          .atMost(WAIT)
          .failFast("the watch failed", () -> !errors.isEmpty())
          .until(() -> responses.stream().anyMatch(WatchResponse::isCreatedNotify));
    }
  }

  // ---- jetcd watch ----

  @Test
  void jetcdWatchesAPrefixForPutsAndDeletes() throws Exception {
    KV kv = client.getKVClient();
    Recorder rec = new Recorder();
    try (Watch.Watcher w =
        client
            .getWatchClient()
            .watch(
                bs("jw/"),
                WatchOption.builder()
                    .isPrefix(true)
                    .withPrevKV(true)
                    .withCreateNotify(true)
                    .build(),
                rec)) {
      rec.awaitCreated();
      kv.put(bs("jw/a"), bs("1")).get(10, TimeUnit.SECONDS);
      kv.put(bs("jw/b"), bs("2")).get(10, TimeUnit.SECONDS);
      kv.put(bs("jx"), bs("outside")).get(10, TimeUnit.SECONDS);
      kv.put(bs("jw/a"), bs("3")).get(10, TimeUnit.SECONDS);
      kv.delete(bs("jw/"), io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
          .get(10, TimeUnit.SECONDS);
      rec.awaitEvents(5);
      assertThat(rec.events())
          .containsExactly(
              "PUT jw/a=1",
              "PUT jw/b=2",
              "PUT jw/a=3 (prev=1)",
              "DELETE jw/a (prev=3)",
              "DELETE jw/b (prev=2)");
      // The two deletions share one revision and arrive in one response.
      WatchResponse last = rec.responses.get(rec.responses.size() - 1);
      assertThat(last.getEvents()).hasSize(2);
      assertThat(rec.errors).isEmpty();
    }
  }

  @Test
  void jetcdWatchesFromAPastRevisionAndRequestsProgress() throws Exception {
    KV kv = client.getKVClient();
    long first = kv.put(bs("jh/a"), bs("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    kv.put(bs("jh/a"), bs("2")).get(10, TimeUnit.SECONDS);
    long last = kv.delete(bs("jh/a")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    Recorder rec = new Recorder();
    try (Watch.Watcher w =
        client
            .getWatchClient()
            .watch(bs("jh/a"), WatchOption.builder().withRevision(first).build(), rec)) {
      rec.awaitEvents(3);
      assertThat(rec.events()).containsExactly("PUT jh/a=1", "PUT jh/a=2", "DELETE jh/a");
      assertThat(rec.responses.get(0).getEvents().get(0).getKeyValue().getModRevision())
          .isEqualTo(first);

      client.getWatchClient().requestProgress();
      Awaitility.await("progress notification")
          .atMost(WAIT)
          .until(() -> rec.responses.stream().anyMatch(WatchResponse::isProgressNotify));
      WatchResponse progress =
          rec.responses.stream().filter(WatchResponse::isProgressNotify).findFirst().orElseThrow();
      assertThat(progress.getHeader().getRevision()).isGreaterThanOrEqualTo(last);
    }
  }

  @Test
  void jetcdReportsAWatchFromACompactedRevision() throws Exception {
    KV kv = client.getKVClient();
    long first = kv.put(bs("jc/a"), bs("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    long at = kv.put(bs("jc/a"), bs("2")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    kv.compact(at).get(10, TimeUnit.SECONDS);
    Recorder rec = new Recorder();
    try (Watch.Watcher w =
        client
            .getWatchClient()
            .watch(bs("jc/a"), WatchOption.builder().withRevision(first).build(), rec)) {
      Awaitility.await("compacted error").atMost(WAIT).until(() -> !rec.errors.isEmpty());
      assertThat(rec.errors.get(0)).isInstanceOf(CompactedException.class);
      assertThat(((CompactedException) rec.errors.get(0)).getCompactedRevision()).isEqualTo(at);
    }
  }

  // ---- jetcd lease ----

  @Test
  void jetcdKeepAliveKeepsKeysPastTheirTtlAndRevokeDeletesThem() throws Exception {
    KV kv = client.getKVClient();
    Lease lease = client.getLeaseClient();
    long id = lease.grant(2).get(10, TimeUnit.SECONDS).getID();
    assertThat(id).isPositive();
    kv.put(bs("jl/a"), bs("1"), PutOption.builder().withLeaseId(id).build())
        .get(10, TimeUnit.SECONDS);
    kv.put(bs("jl/b"), bs("2"), PutOption.builder().withLeaseId(id).build())
        .get(10, TimeUnit.SECONDS);

    List<LeaseKeepAliveResponse> renewals = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    try (CloseableClient keepAlive =
        lease.keepAlive(
            id,
            new StreamObserver<>() {
              @Override
              public void onNext(LeaseKeepAliveResponse r) {
                renewals.add(r);
              }

              @Override
              public void onError(Throwable t) {
                errors.add(t);
              }

              @Override
              public void onCompleted() {}
            })) {
      // Well past the 2 s TTL, the keys are still there because the lease is kept alive.
      Awaitility.await("keys outlive their TTL")
          .during(Duration.ofMillis(3500))
          .atMost(Duration.ofSeconds(6))
          .until(() -> keyCount(kv, "jl/") == 2);
      assertThat(errors).isEmpty();
      assertThat(renewals).isNotEmpty().allMatch(r -> r.getID() == id && r.getTTL() == 2);

      LeaseTimeToLiveResponse ttl =
          lease
              .timeToLive(id, LeaseOption.builder().withAttachedKeys().build())
              .get(10, TimeUnit.SECONDS);
      assertThat(ttl.getGrantedTTL()).isEqualTo(2);
      assertThat(ttl.getTTL()).isBetween(0L, 2L);
      assertThat(ttl.getKeys())
          .extracting(WatchLeaseClientsTest::str)
          .containsExactlyInAnyOrder("jl/a", "jl/b");
    }
    lease.revoke(id).get(10, TimeUnit.SECONDS);
    assertThat(keyCount(kv, "jl/")).isZero();
    LeaseTimeToLiveResponse gone =
        lease.timeToLive(id, LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS);
    assertThat(gone.getTTL()).isEqualTo(-1);
    assertThat(lease.keepAliveOnce(id))
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableThat()
        .withMessageContaining("requested lease not found");
  }

  private static long keyCount(KV kv, String prefix) throws Exception {
    return kv.get(bs(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build())
        .get(10, TimeUnit.SECONDS)
        .getCount();
  }

  // ---- etcdctl ----

  /** An etcdctl running in the background, its output collected as it comes. */
  @Test
  void etcdctlWatchPrintsLiveAndPastEvents() throws Exception {
    Etcdctl.assumeInstalled();
    Etcdctl ctl = new Etcdctl(member.endpoint());
    try (Etcdctl.Background watch = ctl.start("watch", "ew/", "--prefix")) {
      // The watch is up once a probe write shows in its output.
      Awaitility.await("etcdctl watch is up")
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .failFast("etcdctl watch exited", () -> !watch.isAlive())
          .until(
              () -> {
                ctl.run("put", "ew/probe", "p");
                return watch.output().contains("ew/probe");
              });
      int from = watch.output().length();
      assertThat(ctl.run("put", "ew/a", "1").stdout()).isEqualTo("OK\n");
      assertThat(ctl.run("del", "ew/a").stdout()).isEqualTo("1\n");
      Awaitility.await("events printed")
          .atMost(WAIT)
          .until(() -> watch.output().substring(from).contains("DELETE"));
      // A probe written just before the watch showed up may still print after it did.
      assertThat(watch.output().substring(from).replace("PUT\new/probe\np\n", ""))
          .isEqualTo("PUT\new/a\n1\nDELETE\new/a\n\n");
    }

    String rev =
        ctl.run("get", "ew/a", "-w", "fields")
            .stdout()
            .lines()
            .filter(l -> l.startsWith("\"Revision\""))
            .findFirst()
            .orElseThrow()
            .replaceAll("\\D", "");
    long now = Long.parseLong(rev);
    try (Etcdctl.Background past = ctl.start("watch", "--rev=" + (now - 1), "ew/a")) {
      Awaitility.await("past events printed")
          .atMost(WAIT)
          .until(() -> past.output().contains("DELETE"));
      assertThat(past.output()).isEqualTo("PUT\new/a\n1\nDELETE\new/a\n\n");
    }
  }

  @Test
  void etcdctlLeaseGrantKeepAliveTimeToLiveListRevoke() {
    Etcdctl.assumeInstalled();
    Etcdctl ctl = new Etcdctl(member.endpoint());
    Etcdctl.Result granted = ctl.run("lease", "grant", "60");
    assertThat(granted.exitCode()).as(granted.stderr()).isZero();
    assertThat(granted.stdout()).matches("lease [0-9a-f]{16} granted with TTL\\(60s\\)\n");
    String id = granted.stdout().split(" ")[1];

    assertThat(ctl.run("put", "--lease=" + id, "el/a", "1").stdout()).isEqualTo("OK\n");
    assertThat(ctl.run("put", "--lease=" + id, "el/b", "2").stdout()).isEqualTo("OK\n");
    assertThat(ctl.run("lease", "keep-alive", "--once", id).stdout())
        .isEqualTo("lease " + id + " keepalived with TTL(60)\n");
    assertThat(ctl.run("lease", "timetolive", id, "--keys").stdout())
        .matches(
            "lease "
                + id
                + " granted with TTL\\(60s\\), remaining\\(5[89]s\\), attached keys\\(\\[el/a el/b\\]\\)\n");
    assertThat(ctl.run("lease", "timetolive", id).stdout())
        .matches("lease " + id + " granted with TTL\\(60s\\), remaining\\(5[89]s\\)\n");
    String list = ctl.run("lease", "list").stdout();
    assertThat(list).startsWith("found ").contains("\n" + id + "\n");

    assertThat(ctl.run("lease", "revoke", id).stdout()).isEqualTo("lease " + id + " revoked\n");
    assertThat(ctl.run("get", "el/", "--prefix").stdout()).isEmpty();
    Etcdctl.Result again = ctl.run("lease", "revoke", id);
    assertThat(again.exitCode()).isNotZero();
    assertThat(again.stderr()).contains("etcdserver: requested lease not found");
    assertThat(ctl.run("lease", "timetolive", id).stdout())
        .isEqualTo("lease " + id + " already expired\n");
    assertThat(ctl.run("lease", "list").stdout()).doesNotContain(id);
  }
}
