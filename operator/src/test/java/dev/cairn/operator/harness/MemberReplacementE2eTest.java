package dev.cairn.operator.harness;

import static dev.cairn.operator.harness.OperatedCluster.ENDPOINT;
import static dev.cairn.operator.harness.OperatedCluster.NAMESPACE;
import static dev.cairn.operator.harness.OperatedCluster.assertSettled;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.crd.MemberStatus;
import dev.cairn.operator.crd.StoreClusterStatus;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member's pod and volume are lost (its node and local disk gone): the StatefulSet brings back an
 * empty pod, which the member itself refuses to run under its old id; the operator removes the old
 * member and adds a new one under the same name, learner first, while clients keep writing.
 */
class MemberReplacementE2eTest {
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
  void aMemberWhoseVolumeIsLostIsReplacedByANewMemberWhileTheClusterServes() {
    cluster = OperatedCluster.create(dir, spec -> spec);
    StoreClusterStatus formed = cluster.awaitStatus(s -> assertSettled(s, 3));
    Map<String, String> idsBefore = ids(formed);
    writer = AcknowledgedWriter.start(cluster.etcd(), "/replacement/");

    int before = writer.acknowledgedCount();
    cluster.local().loseVolume(NAMESPACE, "example-1");

    StoreClusterStatus replaced =
        cluster.awaitStatus(
            s -> {
              assertSettled(s, 3);
              assertThat(ids(s).get("example-1")).isNotEqualTo(idsBefore.get("example-1"));
            });
    Map<String, String> idsAfter = ids(replaced);
    assertThat(idsAfter.get("example-0")).isEqualTo(idsBefore.get("example-0"));
    assertThat(idsAfter.get("example-2")).isEqualTo(idsBefore.get("example-2"));
    assertThat(replaced.clusterId()).isEqualTo(formed.clusterId());
    assertThat(cluster.events())
        .containsSubsequence(
            "MemberRemoved: Removed example-1 (volume lost).",
            "MemberAdded: Added example-1 as learner " + idsAfter.get("example-1") + ".",
            "MemberPromoted: Promoted example-1 to voter.");
    assertThat(writer.acknowledgedCount() - before)
        .as("writes acknowledged while the member was replaced")
        .isGreaterThan(20);
    assertThat(writer.stopAndVerify(ENDPOINT)).isGreaterThan(20);
  }

  private static Map<String, String> ids(StoreClusterStatus status) {
    return status.members().stream()
        .collect(Collectors.toMap(MemberStatus::name, MemberStatus::id));
  }
}
