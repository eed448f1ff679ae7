package dev.cairn.store.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.testing.Etcdctl;
import dev.cairn.store.testing.StoreCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcdctl and jetcd against a three-member cluster: every operation works through any member,
 * followers included.
 */
class ClusterClientsTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir static Path dir;
  static StoreCluster cluster;
  static int leader;

  @BeforeAll
  static void start() {
    cluster = StoreCluster.start(dir, 3);
    leader = cluster.awaitLeader(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static int follower() {
    return (leader + 1) % 3;
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  private static Client clientOf(int member) {
    return Client.builder().endpoints(cluster.member(member).endpoint()).build();
  }

  @Test
  void etcdctlWithEveryEndpointPutsGetsAndRunsTxns() {
    Etcdctl.assumeInstalled();
    Etcdctl all = new Etcdctl(String.join(",", cluster.endpoints()));
    assertThat(all.run("put", "ctl/a", "1").stdout()).isEqualTo("OK\n");
    assertThat(all.run("get", "ctl/a", "--print-value-only").stdout()).isEqualTo("1\n");

    Etcdctl viaFollower = new Etcdctl(cluster.member(follower()).endpoint());
    Etcdctl.Result txn =
        viaFollower.runWithInput(
            "value(\"ctl/a\") = \"1\"\n\nput ctl/b 2\n\nput ctl/c 3\n\n", "txn");
    assertThat(txn.stdout()).isEqualTo("SUCCESS\n\nOK\n");
    assertThat(
            viaFollower
                .run("get", "ctl/", "--prefix", "--consistency=l", "--print-value-only")
                .stdout())
        .isEqualTo("1\n2\n");
    assertThat(viaFollower.run("get", "ctl/b", "--consistency=s", "--print-value-only").stdout())
        .isIn("2\n", ""); // a serializable read may lag, but never shows anything else
  }

  @Test
  void etcdctlWatchOnEveryMemberSeesAWriteMadeThroughAnother() throws Exception {
    Etcdctl.assumeInstalled();
    Etcdctl writer = new Etcdctl(cluster.member(leader).endpoint());
    List<Etcdctl.Background> watches = new java.util.ArrayList<>();
    try {
      for (int m = 0; m < 3; m++) {
        watches.add(new Etcdctl(cluster.member(m).endpoint()).start("watch", "cw/", "--prefix"));
      }
      // Each watch is up once a probe write shows in its output.
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                writer.run("put", "cw/probe", "p");
                return watches.stream().allMatch(w -> w.output().contains("cw/probe"));
              });
      assertThat(writer.run("put", "cw/a", "1").stdout()).isEqualTo("OK\n");
      await()
          .atMost(WAIT)
          .until(() -> watches.stream().allMatch(w -> w.output().contains("PUT\ncw/a\n1\n")));
    } finally {
      for (Etcdctl.Background w : watches) {
        w.close();
      }
    }
  }

  @Test
  void etcdctlLeaseThroughAFollower() {
    Etcdctl.assumeInstalled();
    Etcdctl viaFollower = new Etcdctl(cluster.member(follower()).endpoint());
    String granted = viaFollower.run("lease", "grant", "60").stdout();
    assertThat(granted).matches("lease [0-9a-f]+ granted with TTL\\(60s\\)\n");
    String id = granted.split(" ")[1];
    assertThat(viaFollower.run("put", "leased", "x", "--lease=" + id).stdout()).isEqualTo("OK\n");
    assertThat(viaFollower.run("lease", "keep-alive", "--once", id).stdout())
        .isEqualTo("lease " + id + " keepalived with TTL(60)\n");
    assertThat(viaFollower.run("lease", "timetolive", id, "--keys").stdout())
        .matches(
            "lease "
                + id
                + " granted with TTL\\(60s\\), remaining\\(\\d+s\\), attached keys\\(\\[leased\\]\\)\n");
    assertThat(viaFollower.run("lease", "revoke", id).stdout())
        .isEqualTo("lease " + id + " revoked\n");
    assertThat(viaFollower.run("get", "leased").stdout()).isEmpty();
  }

  @Test
  void jetcdWatchOnAFollowerSeesWritesMadeThroughTheLeaderInOrder() throws Exception {
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    try (Client watcher = clientOf(follower());
        Client writer = clientOf(leader);
        Watch.Watcher w =
            watcher
                .getWatchClient()
                .watch(
                    bs("watched/"),
                    WatchOption.builder().isPrefix(true).build(),
                    r -> events.addAll(r.getEvents()))) {
      for (int i = 0; i < 20; i++) {
        writer.getKVClient().put(bs("watched/" + i), bs("v" + i)).get(10, TimeUnit.SECONDS);
      }
      await().atMost(WAIT).until(() -> events.size() == 20);
      for (int i = 0; i < 20; i++) {
        assertThat(events.get(i).getKeyValue().getKey().toString(UTF_8)).isEqualTo("watched/" + i);
        if (i > 0) {
          assertThat(events.get(i).getKeyValue().getModRevision())
              .isGreaterThan(events.get(i - 1).getKeyValue().getModRevision());
        }
      }
    }
  }

  @Test
  void jetcdTxnAndLeaseKeepAliveThroughAFollower() throws Exception {
    try (Client c = clientOf(follower())) {
      c.getKVClient().put(bs("cas"), bs("old")).get(10, TimeUnit.SECONDS);
      var txn =
          c.getKVClient()
              .txn()
              .If(new Cmp(bs("cas"), Cmp.Op.EQUAL, CmpTarget.value(bs("old"))))
              .Then(Op.put(bs("cas"), bs("new"), PutOption.DEFAULT))
              .commit()
              .get(10, TimeUnit.SECONDS);
      assertThat(txn.isSucceeded()).isTrue();

      long lease = c.getLeaseClient().grant(30).get(10, TimeUnit.SECONDS).getID();
      assertThat(c.getLeaseClient().keepAliveOnce(lease).get(10, TimeUnit.SECONDS).getTTL())
          .isEqualTo(30);
      LeaseTimeToLiveResponse ttl =
          c.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS);
      assertThat(ttl.getTTL()).isBetween(25L, 30L);
      assertThat(ttl.getGrantedTTL()).isEqualTo(30);
    }
  }
}
