package dev.cairn.store.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.testing.StoreCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three store-node processes form one cluster; a client may use any member. */
class ThreeMemberClusterTest {
  @TempDir static Path dir;
  static StoreCluster cluster;

  @BeforeAll
  static void start() {
    cluster = StoreCluster.start(dir, 3);
    cluster.awaitLeader(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  @Test
  void aWriteThroughOneMemberIsReadThroughEveryOther() throws Exception {
    for (int writer = 0; writer < 3; writer++) {
      try (Client w = Client.builder().endpoints(cluster.member(writer).endpoint()).build()) {
        w.getKVClient().put(bytes("k" + writer), bytes("v" + writer)).get(10, TimeUnit.SECONDS);
      }
      for (int reader = 0; reader < 3; reader++) {
        try (Client r = Client.builder().endpoints(cluster.member(reader).endpoint()).build()) {
          KV kv = r.getKVClient();
          var got = kv.get(bytes("k" + writer)).get(10, TimeUnit.SECONDS);
          assertThat(got.getKvs()).hasSize(1);
          assertThat(got.getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("v" + writer);
        }
      }
    }
  }
}
