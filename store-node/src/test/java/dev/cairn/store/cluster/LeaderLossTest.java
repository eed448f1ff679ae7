package dev.cairn.store.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.testing.StoreCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Killing the leader of a three-member cluster under write load: a new leader is elected and writes
 * resume within twice the election timeout.
 */
class LeaderLossTest {
  private static final Duration ELECTION_TIMEOUT = Duration.ofMillis(1000);
  private static final int ROUNDS = 3;

  @TempDir Path dir;

  @Test
  void writesResumeWithinTwoElectionTimeoutsOfTheLeadersDeath() throws Exception {
    try (StoreCluster cluster =
        StoreCluster.start(dir, 3, "--election-timeout=" + ELECTION_TIMEOUT.toMillis())) {
      List<Long> resumedAfterMillis = new ArrayList<>();
      for (int round = 0; round < ROUNDS; round++) {
        int leader = cluster.awaitLeader(Duration.ofSeconds(30));
        try (Writers writers = new Writers(cluster)) {
          writers.awaitAcks(200);
          long killedAt = System.nanoTime();
          cluster.member(leader).kill9();
          long resumedAt = writers.firstAckOfWriteStartedAfter(killedAt, Duration.ofSeconds(30));
          long millis = TimeUnit.NANOSECONDS.toMillis(resumedAt - killedAt);
          resumedAfterMillis.add(millis);
          System.out.printf(
              "leader loss round %d: writes resumed %d ms after kill -9 of the leader%n",
              round, millis);
        }
        cluster.member(leader).restart();
      }
      assertThat(resumedAfterMillis)
          .allSatisfy(ms -> assertThat(ms).isLessThan(2 * ELECTION_TIMEOUT.toMillis()));
    }
  }

  /** Two writers per member, each writing in a loop with a short deadline. */
  private static final class Writers implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong acks = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Client> clients = new ArrayList<>();

    /** Start times of writes, and their ack times, once acknowledged; guarded by this. */
    private final List<long[]> acked = new ArrayList<>();

    Writers(StoreCluster cluster) {
      for (int m = 0; m < cluster.size(); m++) {
        for (int t = 0; t < 2; t++) {
          Client c = Client.builder().endpoints(cluster.member(m).endpoint()).build();
          clients.add(c);
          int id = threads.size();
          Thread th = new Thread(() -> loop(c, id), "writer-" + id);
          threads.add(th);
          th.start();
        }
      }
    }

    private void loop(Client c, int id) {
      ByteSequence key = ByteSequence.from("writer/" + id, UTF_8);
      for (long i = 0; running.get(); i++) {
        long start = System.nanoTime();
        try {
          c.getKVClient()
              .put(key, ByteSequence.from(Long.toString(i), UTF_8))
              .get(500, TimeUnit.MILLISECONDS);
          long end = System.nanoTime();
          synchronized (this) {
            acked.add(new long[] {start, end});
            notifyAll();
          }
          acks.incrementAndGet();
        } catch (Exception e) {
          // a dead member, no leader yet, or the deadline: try again
        }
      }
    }

    void awaitAcks(long n) throws InterruptedException {
      synchronized (this) {
        while (acks.get() < n) {
          wait(100);
        }
      }
    }

    long firstAckOfWriteStartedAfter(long t, Duration within) throws InterruptedException {
      long deadline = System.nanoTime() + within.toNanos();
      synchronized (this) {
        while (System.nanoTime() < deadline) {
          long first = Long.MAX_VALUE;
          for (long[] a : acked) {
            if (a[0] > t) {
              first = Math.min(first, a[1]);
            }
          }
          if (first != Long.MAX_VALUE) {
            return first;
          }
          wait(50);
        }
      }
      throw new AssertionError("no write succeeded within " + within + " of the leader's death");
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join();
      }
      clients.forEach(Client::close);
    }
  }
}
