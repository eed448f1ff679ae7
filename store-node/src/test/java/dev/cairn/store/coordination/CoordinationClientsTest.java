package dev.cairn.store.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.testing.Etcdctl;
import dev.cairn.store.testing.InProcessMember;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.lock.LockResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jetcd's Lock and Election clients use the member's own server-side services. */
class CoordinationClientsTest {
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
    client.close();
    member.close();
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Test
  void aSecondLockerWaitsUntilTheFirstUnlocks() throws Exception {
    Lease leases = client.getLeaseClient();
    Lock lock = client.getLockClient();
    long l1 = leases.grant(30).get(10, TimeUnit.SECONDS).getID();
    long l2 = leases.grant(30).get(10, TimeUnit.SECONDS).getID();

    LockResponse first = lock.lock(bs("jobs"), l1).get(10, TimeUnit.SECONDS);
    assertThat(first.getKey().toString(StandardCharsets.UTF_8))
        .isEqualTo("jobs/" + Long.toHexString(l1));

    CompletableFuture<LockResponse> second = lock.lock(bs("jobs"), l2);
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !second.isDone());

    lock.unlock(first.getKey()).get(10, TimeUnit.SECONDS);
    assertThat(second.get(10, TimeUnit.SECONDS).getKey().toString(StandardCharsets.UTF_8))
        .isEqualTo("jobs/" + Long.toHexString(l2));
  }

  @Test
  void aLockIsHandedOnWhenTheHoldersLeaseIsRevoked() throws Exception {
    Lease leases = client.getLeaseClient();
    Lock lock = client.getLockClient();
    long l1 = leases.grant(30).get(10, TimeUnit.SECONDS).getID();
    long l2 = leases.grant(30).get(10, TimeUnit.SECONDS).getID();
    lock.lock(bs("revoked"), l1).get(10, TimeUnit.SECONDS);
    CompletableFuture<LockResponse> waiting = lock.lock(bs("revoked"), l2);
    leases.revoke(l1).get(10, TimeUnit.SECONDS);
    assertThat(waiting.get(10, TimeUnit.SECONDS).getKey().toString(StandardCharsets.UTF_8))
        .endsWith(Long.toHexString(l2));
  }

  @Test
  void campaignProclaimObserveAndResign() throws Exception {
    Lease leases = client.getLeaseClient();
    Election election = client.getElectionClient();
    long alice = leases.grant(30).get(10, TimeUnit.SECONDS).getID();
    long bob = leases.grant(30).get(10, TimeUnit.SECONDS).getID();

    List<String> observed = new ArrayList<>();
    election.observe(
        bs("chief"),
        new Election.Listener() {
          @Override
          public void onNext(io.etcd.jetcd.election.LeaderResponse r) {
            synchronized (observed) {
              observed.add(r.getKv().getValue().toString(StandardCharsets.UTF_8));
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });

    CampaignResponse won =
        election.campaign(bs("chief"), alice, bs("alice")).get(10, TimeUnit.SECONDS);
    LeaderKey leader = won.getLeader();
    CompletableFuture<CampaignResponse> bobWaits = election.campaign(bs("chief"), bob, bs("bob"));
    assertThat(
            election
                .leader(bs("chief"))
                .get(10, TimeUnit.SECONDS)
                .getKv()
                .getValue()
                .toString(StandardCharsets.UTF_8))
        .isEqualTo("alice");

    election.proclaim(leader, bs("alice-2")).get(10, TimeUnit.SECONDS);
    election.resign(leader).get(10, TimeUnit.SECONDS);
    assertThat(
            bobWaits
                .get(10, TimeUnit.SECONDS)
                .getLeader()
                .getKey()
                .toString(StandardCharsets.UTF_8))
        .isEqualTo("chief/" + Long.toHexString(bob));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              synchronized (observed) {
                assertThat(observed).containsSubsequence("alice", "alice-2", "bob");
              }
            });
  }

  @Test
  void etcdctlLockAndElect() throws Exception {
    Etcdctl.assumeInstalled();
    Etcdctl ctl = new Etcdctl(member.endpoint());
    Etcdctl.Result locked = ctl.run("lock", "ctl-lock", "echo", "inside");
    assertThat(locked.stdout()).contains("inside");

    // A campaign holds leadership until the process ends; ask for the leader meanwhile
    // ("elect -l" observes forever, so the leader is read through jetcd).
    Process campaign =
        new ProcessBuilder(
                "etcdctl", "--endpoints=" + member.endpoint(), "elect", "ctl-election", "carol")
            .redirectErrorStream(true)
            .start();
    try {
      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () ->
                  assertThat(
                          client
                              .getElectionClient()
                              .leader(bs("ctl-election"))
                              .get(5, TimeUnit.SECONDS)
                              .getKv()
                              .getValue()
                              .toString(StandardCharsets.UTF_8))
                      .isEqualTo("carol"));
    } finally {
      campaign.destroy();
      campaign.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
