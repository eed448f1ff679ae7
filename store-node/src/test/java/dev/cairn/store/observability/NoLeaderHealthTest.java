package dev.cairn.store.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.testing.StoreCluster;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member that lost its quorum says so on /health and /readyz, and stays live. */
class NoLeaderHealthTest {
  @TempDir Path dir;

  @Test
  void aMemberWithoutQuorumIsLiveButNeitherHealthyNorReady() {
    try (StoreCluster cluster = StoreCluster.start(dir, 3)) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      String survivor = cluster.member(0).endpoint();
      assertThat(Http.get(survivor + "/health").statusCode()).isEqualTo(200);
      cluster.member(1).kill9();
      cluster.member(2).kill9();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                HttpResponse<String> h = Http.get(survivor + "/health");
                assertThat(h.statusCode()).isEqualTo(503);
                assertThat(h.body())
                    .isEqualTo("{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}\n");
              });
      // A serializable check reads locally: the member itself is fine.
      assertThat(Http.get(survivor + "/health?serializable=true").statusCode()).isEqualTo(200);
      assertThat(Http.get(survivor + "/livez").statusCode()).isEqualTo(200);
      HttpResponse<String> ready = Http.get(survivor + "/readyz");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body())
          .contains("[+]serializable_read ok\n")
          .contains("[-]linearizable_read failed: ");
    }
  }
}
