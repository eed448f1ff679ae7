package dev.cairn.store.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.testing.Etcdctl;
import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreCluster;
import dev.cairn.store.testing.StoreNodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The life of a member through etcdctl alone: 'member add --learner', start it with
 * --initial-cluster-state existing, 'member promote' once it has caught up, 'member update' of its
 * peer URLs, 'member remove', after which the removed member stops by itself.
 */
class EtcdctlMembershipTest {
  @TempDir Path dir;

  @Test
  void addStartPromoteUpdateAndRemoveAMember() {
    Etcdctl.assumeInstalled();
    try (StoreCluster cluster = StoreCluster.start(dir, 3)) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      Etcdctl etcdctl = new Etcdctl(String.join(",", cluster.endpoints()));
      for (int i = 0; i < 100; i++) {
        ok(etcdctl, "put", "key-" + i, "value-" + i);
      }

      String peerUrl = "http://127.0.0.1:" + Ports.free();
      Etcdctl.Result added =
          ok(etcdctl, "member", "add", "m4", "--learner", "--peer-urls=" + peerUrl);
      Matcher m = Pattern.compile("Member\\s+([0-9a-f]+) added to cluster").matcher(added.stdout());
      assertThat(m.find()).as(added.stdout()).isTrue();
      String id = m.group(1);
      // etcdctl prints the flags the new member needs, as for etcd.
      assertThat(added.stdout()).contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\"");

      StoreNodeProcess m4 = cluster.join("m4", peerUrl);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(300))
          .until(() -> etcdctl.run("member", "promote", id).exitCode() == 0);
      // id, status, name, peer URLs, client URLs, is learner; the name and client URL arrive once
      // the member has published them.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(ok(etcdctl, "member", "list").stdout())
                      .contains(
                          id + ", started, m4, " + peerUrl + ", " + m4.endpoint() + ", false"));
      assertThat(ok(new Etcdctl(m4.endpoint()), "get", "key-99", "--print-value-only").stdout())
          .contains("value-99");

      String newPeerUrl = "http://127.0.0.1:" + Ports.free();
      Etcdctl.Result updated = ok(etcdctl, "member", "update", id, "--peer-urls=" + newPeerUrl);
      // etcdctl pads the id to 16 columns (%16x).
      assertThat(updated.stdout()).containsPattern("Member\\s+" + id + " updated in cluster");
      assertThat(ok(etcdctl, "member", "list").stdout()).contains("m4, " + newPeerUrl);

      Etcdctl.Result removed = ok(etcdctl, "member", "remove", id);
      assertThat(removed.stdout()).containsPattern("Member\\s+" + id + " removed from cluster");
      assertThat(ok(etcdctl, "member", "list").stdout()).doesNotContain(id);
      // Its peers now talk to the new URL it does not listen on, so it may never hear of its
      // removal; it is stopped, as an operator would.
      m4.kill9();
      cluster.awaitLeader(Duration.ofSeconds(30));
      ok(etcdctl, "put", "after", "removal");
    }
  }

  private static Etcdctl.Result ok(Etcdctl etcdctl, String... args) {
    Etcdctl.Result r = etcdctl.run(args);
    assertThat(r.exitCode())
        .as(
            "etcdctl %s exited %d%nstdout: %s%nstderr: %s",
            String.join(" ", args), r.exitCode(), r.stdout(), r.stderr())
        .isZero();
    return r;
  }
}
