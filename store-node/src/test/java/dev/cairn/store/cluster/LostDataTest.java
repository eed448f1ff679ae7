package dev.cairn.store.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.testing.Etcdctl;
import dev.cairn.store.testing.StoreCluster;
import dev.cairn.store.testing.StoreNodeProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose data dir is lost must not come back under its old id: it acknowledged entries it
 * no longer has, and Raft would count them. It refuses to start, as etcd does, and rejoins only
 * once removed and added again, as a new member.
 */
class LostDataTest {
  @TempDir Path dir;

  @Test
  void aMemberThatLostItsDataRefusesToStartUntilRemovedAndAddedAgain() {
    Etcdctl.assumeInstalled();
    try (StoreCluster cluster = StoreCluster.start(dir, 3)) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      cluster.awaitPublished(Duration.ofSeconds(30));
      Etcdctl etcdctl = new Etcdctl(String.join(",", cluster.endpoints()));
      ok(etcdctl, "put", "before", "loss");

      // Bootstrapped with --initial-cluster-state new: etcd's "already been bootstrapped".
      StoreNodeProcess m3 = cluster.member(2);
      String peerUrl = m3.peerUrl();
      m3.kill9();
      wipe(m3.dataDir());
      assertThatThrownBy(m3::restart)
          .hasMessageContaining("has already been bootstrapped")
          .hasMessageContaining("its data is lost");

      String oldId = idOf(etcdctl, peerUrl);
      ok(etcdctl, "member", "remove", oldId);
      ok(etcdctl, "member", "add", "m3", "--learner", "--peer-urls=" + peerUrl);
      StoreNodeProcess rejoined = cluster.join("m3", peerUrl);
      String newId = idOf(etcdctl, peerUrl);
      assertThat(newId).isNotEqualTo(oldId);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(300))
          .until(() -> etcdctl.run("member", "promote", newId).exitCode() == 0);
      assertThat(
              ok(new Etcdctl(rejoined.endpoint()), "get", "before", "--print-value-only").stdout())
          .contains("loss");

      // Joined with --initial-cluster-state existing and published: lost again, refused again.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> ok(etcdctl, "member", "list").stdout().contains(rejoined.endpoint()));
      rejoined.kill9();
      wipe(rejoined.dataDir());
      assertThatThrownBy(rejoined::restart)
          .hasMessageContaining("has run before")
          .hasMessageContaining("its data is lost");
      ok(etcdctl, "put", "after", "refusal");
    }
  }

  /** The id of the member listed with {@code peerUrl}. */
  private static String idOf(Etcdctl etcdctl, String peerUrl) {
    return ok(etcdctl, "member", "list")
        .stdout()
        .lines()
        .map(line -> line.split(", "))
        .filter(fields -> fields[3].equals(peerUrl))
        .map(fields -> fields[0].trim())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no member with peer URL " + peerUrl));
  }

  private static Etcdctl.Result ok(Etcdctl etcdctl, String... args) {
    Etcdctl.Result r = etcdctl.run(args);
    assertThat(r.exitCode())
        .as("etcdctl %s: %s %s", String.join(" ", args), r.stdout(), r.stderr())
        .isZero();
    return r;
  }

  private static void wipe(Path dataDir) {
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(LostDataTest::delete);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path p) {
    try {
      Files.delete(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
