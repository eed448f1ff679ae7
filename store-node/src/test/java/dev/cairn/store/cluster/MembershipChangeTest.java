package dev.cairn.store.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.linearizability.CheckResult;
import dev.cairn.store.linearizability.History;
import dev.cairn.store.linearizability.KvInput;
import dev.cairn.store.linearizability.KvOutput;
import dev.cairn.store.linearizability.KvWorkload;
import dev.cairn.store.linearizability.LinearizabilityAssertions;
import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreCluster;
import dev.cairn.store.testing.StoreNodeProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.kv.GetResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster grows from one member to three and five, each new member joining as a learner and
 * promoted once caught up, then shrinks back to three and one, twice removing the leader; all while
 * clients write, read and swap values. The whole history must be linearizable, and every
 * acknowledged write must be on the last member.
 */
class MembershipChangeTest {
  private static final Duration STEP = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void growOneToFiveAndShrinkBackToOneUnderLoad() throws Exception {
    List<String> keys = List.of("k0", "k1", "k2", "k3", "k4", "k5");
    try (StoreCluster cluster =
        StoreCluster.start(dir, 1, "--heartbeat-interval=50", "--election-timeout=500")) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      StoreNodeProcess first = cluster.member(0);
      KvWorkload workload =
          KvWorkload.builder(List.of(first.endpoint()))
              .clients(4)
              .keys(keys)
              .connection(KvWorkload.Connection.ONE_ENDPOINT)
              .opTimeout(Duration.ofSeconds(3))
              .duration(Duration.ofMinutes(5))
              .seed(5_1_3_5L)
              .build()
              .start();
      List<String> steps = new ArrayList<>();
      try (Client admin = Client.builder().endpoints(first.endpoint()).build()) {
        for (String name : List.of("m2", "m3", "m4", "m5")) {
          addAsLearnerAndPromote(cluster, admin, name);
          steps.add("added " + name + ": " + voters(admin) + " voters");
        }
        assertThat(voters(admin)).isEqualTo(5);

        // 5 -> 3: remove the leader, then a follower.
        removeLeader(cluster, admin, "m5");
        steps.add("removed the leader m5: " + voters(admin) + " voters");
        remove(cluster, admin, "m4");
        assertThat(voters(admin)).isEqualTo(3);

        // 3 -> 1: remove the leader again, then the last other member.
        removeLeader(cluster, admin, "m3");
        steps.add("removed the leader m3: " + voters(admin) + " voters");
        remove(cluster, admin, "m2");
        assertThat(voters(admin)).isEqualTo(1);
      }
      History<KvInput, KvOutput> history = workload.stop();
      KvWorkload.Counts counts = workload.counts();

      // The last member alone dies and comes back: every acknowledged write is still there.
      first.kill9();
      first.restart();
      cluster.awaitLeader(Duration.ofSeconds(30));
      readEveryKey(first, keys, history, 1000);

      System.out.printf(
          "%d operations completed, %d unknown, %d failed reads; steps:%n  %s%n",
          counts.completed(), counts.unknown(), counts.failedReads(), String.join("\n  ", steps));
      assertThat(counts.completed()).isGreaterThan(200);
      CheckResult result = LinearizabilityAssertions.assertLinearizable(history);
      System.out.println("linearizability check: " + result);
    }
  }

  /** 'member add --learner', start the member, then promote it once it has caught up. */
  private static void addAsLearnerAndPromote(StoreCluster cluster, Client admin, String name)
      throws Exception {
    String peerUrl = "http://127.0.0.1:" + Ports.free();
    Member added =
        admin
            .getClusterClient()
            .addMember(List.of(URI.create(peerUrl)), true)
            .get(30, TimeUnit.SECONDS)
            .getMember();
    assertThat(added.isLearner()).isTrue();
    cluster.join(name, peerUrl);
    // The learner is refused promotion until its log is close to the leader's; retried as a user
    // or an operator would.
    await()
        .atMost(STEP)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .untilAsserted(
            () -> admin.getClusterClient().promoteMember(added.getId()).get(10, TimeUnit.SECONDS));
    await()
        .atMost(STEP)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(memberNamed(admin, name))
                    .satisfies(m -> assertThat(m.isLearner()).isFalse()));
    cluster.awaitLeader(STEP);
  }

  /** Moves leadership to the member, then removes it: the removal moves leadership away first. */
  private static void removeLeader(StoreCluster cluster, Client admin, String name)
      throws Exception {
    long id = memberNamed(admin, name).getId();
    // A transfer that does not finish within an election timeout is abandoned, as etcd's is
    // ("request timed out"): ask the leader of the moment again, as an operator would.
    await()
        .atMost(STEP)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              int leader = cluster.awaitLeader(STEP);
              if (!cluster.name(leader).equals(name)) {
                try (Client c =
                    Client.builder().endpoints(cluster.member(leader).endpoint()).build()) {
                  c.getMaintenanceClient().moveLeader(id).get(30, TimeUnit.SECONDS);
                }
              }
              assertThat(cluster.name(cluster.awaitLeader(STEP))).isEqualTo(name);
            });
    remove(cluster, admin, name);
  }

  private static void remove(StoreCluster cluster, Client admin, String name) throws Exception {
    long id = memberNamed(admin, name).getId();
    await()
        .atMost(STEP)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .untilAsserted(() -> admin.getClusterClient().removeMember(id).get(10, TimeUnit.SECONDS));
    for (int i = 0; i < cluster.size(); i++) {
      if (cluster.name(i).equals(name)) {
        cluster.member(i).kill9(); // as an operator deletes the removed member's pod
      }
    }
    int leader = cluster.awaitLeader(STEP);
    assertThat(cluster.name(leader)).isNotEqualTo(name);
  }

  private static Member memberNamed(Client admin, String name) throws Exception {
    return admin.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers().stream()
        .filter(m -> m.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no member named " + name));
  }

  private static long voters(Client admin) throws Exception {
    return admin.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers().stream()
        .filter(m -> !m.isLearner())
        .count();
  }

  private static void readEveryKey(
      StoreNodeProcess member, List<String> keys, History<KvInput, KvOutput> history, int client)
      throws Exception {
    try (Client c = Client.builder().endpoints(member.endpoint()).build()) {
      for (String key : keys) {
        var call = history.call(client, new KvInput.Get(key));
        GetResponse r =
            c.getKVClient()
                .get(ByteSequence.from(key, StandardCharsets.UTF_8))
                .get(10, TimeUnit.SECONDS);
        String value =
            r.getKvs().isEmpty()
                ? null
                : r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
        call.returned(KvOutput.read(value));
      }
    }
  }
}
