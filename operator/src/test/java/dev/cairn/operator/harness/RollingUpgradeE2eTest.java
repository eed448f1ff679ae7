package dev.cairn.operator.harness;

import static dev.cairn.operator.harness.OperatedCluster.ENDPOINT;
import static dev.cairn.operator.harness.OperatedCluster.NAMESPACE;
import static dev.cairn.operator.harness.OperatedCluster.assertSettled;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.crd.AutomationSpec;
import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.MemberStatus;
import dev.cairn.operator.crd.StoreClusterStatus;
import io.etcd.jetcd.Client;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A version change rolls the members one at a time under client load: followers first, then
 * leadership moves and the old leader goes last, so that there is one election in all. A member
 * that cannot start on the next version stops the following rollout with a reason, and changing the
 * version back brings the cluster home.
 */
class RollingUpgradeE2eTest {
  private static final String NEXT = "0.1.1";
  private static final String BROKEN = "0.1.2";

  // Kept after a failure: the members' logs are under logs/.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private OperatedCluster cluster;
  private AcknowledgedWriter writer;

  @AfterEach
  void stop() {
    try (OperatedCluster closing = cluster;
        AcknowledgedWriter stopping = writer) {
      // Both closed, the writer first.
    }
  }

  @Test
  void followersFirstTheLeaderLastOneElectionAndAFailingMemberStopsTheRollout() throws Exception {
    cluster =
        OperatedCluster.create(dir, spec -> spec.withAutomation(new AutomationSpec("10m", "15s")));
    StoreClusterStatus formed = cluster.awaitStatus(s -> assertSettled(s, 3));
    String leader = formed.leader();
    List<String> followers = followersHighestFirst(formed);
    writer = AcknowledgedWriter.start(cluster.etcd(), "/upgrade/");
    long termBefore = term(cluster.etcd());
    int eventsBefore = cluster.events().size();

    cluster.editSpec(spec -> spec.withVersion(NEXT));
    StoreClusterStatus upgraded =
        cluster.awaitStatus(
            s -> {
              assertSettled(s, 3);
              assertThat(s.version()).isEqualTo(NEXT);
              assertThat(cluster.templateHashes().values()).containsOnly(desiredHash());
            });

    String newLeader = upgraded.leader();
    assertThat(newLeader).isNotEqualTo(leader);
    List<String> rollout = cluster.events().subList(eventsBefore, cluster.events().size());
    assertThat(
            rollout.stream()
                .filter(e -> e.startsWith("MemberRestarted") || e.startsWith("LeaderMoved"))
                .map(e -> e.replaceAll(" on pod template [0-9a-f]+\\.$", "")))
        .as("followers first, the leader last after leadership moved")
        .containsExactly(
            restarted(followers.get(0)),
            restarted(followers.get(1)),
            "LeaderMoved: Moved leadership from " + leader + " to " + newLeader + ".",
            restarted(leader));
    assertThat(term(cluster.etcd()) - termBefore).as("leader elections").isLessThanOrEqualTo(1);
    assertThat(upgraded.members())
        .extracting(MemberStatus::id)
        .containsExactlyElementsOf(formed.members().stream().map(MemberStatus::id).toList());

    // Next: the second member of the rollout cannot start on BROKEN; the rollout stops there.
    List<String> order = followersHighestFirst(upgraded);
    String first = order.get(0);
    String second = order.get(1);
    String nextHash = desiredHash();
    cluster.local().failImage(NAMESPACE, second, "ghcr.io/cairn-dev/store-node:" + BROKEN);
    cluster.editSpec(spec -> spec.withVersion(BROKEN));
    StoreClusterStatus stopped =
        cluster.awaitStatus(
            s -> {
              Condition degraded = s.condition(Condition.DEGRADED).orElseThrow();
              assertThat(degraded.isTrue()).isTrue();
              assertThat(degraded.reason()).isEqualTo("StepTimedOut");
              assertThat(degraded.message())
                  .contains("rollout stopped: " + second + " is unhealthy on the new pod template");
            });
    assertThat(stopped.condition(Condition.AVAILABLE).orElseThrow().isTrue()).isTrue();
    assertThat(stopped.leader()).isEqualTo(newLeader);
    Map<String, String> hashes = cluster.templateHashes();
    assertThat(hashes.get(first)).isEqualTo(desiredHash());
    assertThat(hashes.get(second)).isEqualTo(desiredHash());
    assertThat(hashes.get(newLeader)).as("the leader is left alone").isEqualTo(nextHash);
    assertThat(cluster.events()).anyMatch(e -> e.startsWith("StepTimedOut: Since "));

    // Back to NEXT: the failed member is restarted on it first, and the cluster settles.
    cluster.editSpec(spec -> spec.withVersion(NEXT));
    cluster.awaitStatus(
        s -> {
          assertSettled(s, 3);
          assertThat(cluster.templateHashes().values()).containsOnly(nextHash);
        });
    assertThat(writer.stopAndVerify(ENDPOINT)).isGreaterThan(50);
  }

  private String desiredHash() {
    return cluster
        .statefulSet()
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get("cairn.dev/pod-template-hash");
  }

  private static List<String> followersHighestFirst(StoreClusterStatus status) {
    return status.members().stream()
        .filter(m -> MemberStatus.FOLLOWER.equals(m.role()))
        .map(MemberStatus::name)
        .sorted(Comparator.reverseOrder())
        .toList();
  }

  private static String restarted(String member) {
    return "MemberRestarted: Deleted pod " + member + " to restart it";
  }

  /** The Raft term, as the member behind the client Service reports it. */
  private static long term(Client etcd) {
    java.util.concurrent.atomic.AtomicLong term = new java.util.concurrent.atomic.AtomicLong();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () -> {
              term.set(
                  etcd.getMaintenanceClient()
                      .statusMember(ENDPOINT)
                      .get(5, TimeUnit.SECONDS)
                      .getRaftTerm());
              return true;
            });
    return term.get();
  }
}
