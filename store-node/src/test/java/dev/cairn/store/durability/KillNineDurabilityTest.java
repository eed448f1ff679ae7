package dev.cairn.store.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.testing.StoreNodeProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durability contract: a write acknowledged to a client survives {@code kill -9} of the member.
 *
 * <p>The member runs in its own JVM. Writer threads here issue Puts, DeleteRanges and Txns through
 * etcd's gRPC API and record every acknowledgement (key, value, revision) in a {@link Ledger}; a
 * request that fails because the member died is recorded as unacknowledged, and may or may not have
 * happened. The member is killed with SIGKILL at moments chosen by a seeded Random (after a random
 * number of further acknowledgements), restarted on the same data directory, and checked by a
 * {@link LedgerVerifier} while the writers are paused; then the writers go on.
 *
 * <p>The seed is logged; rerun with {@code -Dcairn.durability.seed=N} to repeat a run's choices
 * (the timing of the threads still varies).
 */
class KillNineDurabilityTest {
  private static final Logger log = LoggerFactory.getLogger(KillNineDurabilityTest.class);

  private static final long SEED = Long.getLong("cairn.durability.seed", 0x5eed_cafeL);

  @TempDir Path tmp;

  @Test
  void everyAcknowledgedWriteSurvivesKill9UnderConcurrentLoad() {
    killRepeatedlyUnderLoad(SEED, 4, 5, 200, 1000);
  }

  @Test
  void aBurstOfAcknowledgedWritesSurvivesAnImmediateKill9() {
    killAfterBursts(SEED, 8, 3, 40, 100);
  }

  @Test
  @Tag("slow")
  void everyAcknowledgedWriteSurvivesManyKill9sUnderHeavierLoad() {
    killRepeatedlyUnderLoad(SEED + 1, 8, 25, 300, 5000);
  }

  @Test
  @Tag("slow")
  void manyBurstsOfAcknowledgedWritesSurviveImmediateKill9s() {
    killAfterBursts(SEED + 1, 16, 20, 20, 400);
  }

  /**
   * Writers run all the time; the member is killed {@code kills} times, each after between {@code
   * minAcks} and {@code maxAcks} more acknowledgements, restarted, and verified.
   */
  private void killRepeatedlyUnderLoad(
      long seed, int writers, int kills, int minAcks, int maxAcks) {
    log.info("seed {}: {} writers, {} kills", seed, writers, kills);
    Random rnd = new Random(seed);
    long started = System.nanoTime();
    try (StoreNodeProcess node = StoreNodeProcess.start(tmp.resolve("member"));
        Load load = new Load(node, writers, seed)) {
      load.start(Long.MAX_VALUE);
      for (int kill = 1; kill <= kills; kill++) {
        long target =
            load.ledger.acknowledgedCount() + minAcks + rnd.nextInt(maxAcks - minAcks + 1);
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(1))
            .failFast(
                "unexpected answers",
                () -> assertThat(load.ledger.unexpected()).as("unexpected answers").isEmpty())
            .until(() -> load.ledger.acknowledgedCount() >= target);
        long failedBefore = load.ledger.failedCount();
        node.kill9();
        restartAndVerify(node, load, "kill " + kill + "/" + kills + " (seed " + seed + ")");
        log.info(
            "kill {}: {} requests were cut off by it",
            kill,
            load.ledger.failedCount() - failedBefore);
      }
      load.stopWriters();
      LedgerVerifier.Result last = load.verifyPaused();
      assertThat(last.problems()).withFailMessage(last::problemReport).isEmpty();
      assertThat(load.ledger.unexpected()).as("unexpected answers").isEmpty();
      assertThat(load.ledger.acknowledgedCount()).isGreaterThanOrEqualTo((long) kills * minAcks);
      log.info(
          "seed {}: {} kills survived in {} ms; {}",
          seed,
          kills,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
          last.summary());
    }
  }

  /**
   * Rounds of: every writer issues a burst of requests and waits for each answer; the moment the
   * last answer is in, the member is killed, restarted, and verified. The member has had no time to
   * sync its MVCC store since the last writes (it does so every 100 ms): only the Raft log holds
   * them durably.
   */
  private void killAfterBursts(long seed, int writers, int rounds, int minBurst, int maxBurst) {
    log.info("seed {}: {} writers, {} bursts", seed, writers, rounds);
    Random rnd = new Random(seed);
    try (StoreNodeProcess node = StoreNodeProcess.start(tmp.resolve("member"));
        Load load = new Load(node, writers, seed)) {
      for (int round = 1; round <= rounds; round++) {
        long ackedBefore = load.ledger.acknowledgedCount();
        int burst = minBurst + rnd.nextInt(maxBurst - minBurst + 1);
        load.start(burst);
        load.joinWriters();
        node.kill9();
        assertThat(load.ledger.failedWrites())
            .as("requests that failed with the member up")
            .isEmpty();
        assertThat(load.ledger.acknowledgedCount() - ackedBefore).isEqualTo((long) burst * writers);
        restartAndVerify(node, load, "burst " + round + "/" + rounds + " (seed " + seed + ")");
      }
    }
  }

  private void restartAndVerify(StoreNodeProcess node, Load load, String what) {
    try {
      restartAndCheck(node, load, what);
    } catch (AssertionError | RuntimeException e) {
      keepForPostMortem(node, what);
      throw e;
    }
  }

  private void restartAndCheck(StoreNodeProcess node, Load load, String what) {
    long logFrom = fileSize(node.logFile());
    long t0 = System.nanoTime();
    try {
      node.restart();
    } catch (RuntimeException | AssertionError e) {
      throw new AssertionError(
          what
              + ": the member did not come back after kill -9; its log since:\n"
              + logSince(node.logFile(), logFrom),
          e);
    }
    long restartMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    load.reconnectNow();
    String startLog = logSince(node.logFile(), logFrom);
    assertThat(startLog)
        .as("%s: the member's log after restart", what)
        .contains("ready to serve client requests")
        .doesNotContain(" ERROR ")
        .doesNotContain("Exception");
    LedgerVerifier.Result r = load.verifyPaused();
    log.info(
        "{}: restarted in {} ms ({}); {}",
        what,
        restartMs,
        startLog.lines().filter(l -> l.contains("starting: term")).findFirst().orElse("?").trim(),
        r.summary());
    assertThat(r.problems()).withFailMessage("%s: %s", what, r.problemReport()).isEmpty();
    assertThat(load.ledger.unexpected()).as("%s: unexpected answers", what).isEmpty();
  }

  /** Copies the data directory and log of a failed run to target/, which outlives @TempDir. */
  private static void keepForPostMortem(StoreNodeProcess node, String what) {
    Path to =
        Path.of(
            "target", "kill9-failures", what.replaceAll("[^A-Za-z0-9]+", "-") + System.nanoTime());
    try {
      if (node.isAlive()) {
        node.kill9();
      }
      Files.createDirectories(to);
      Files.copy(node.logFile(), to.resolve("member.log"));
      try (var files = Files.walk(node.dataDir())) {
        for (Path p : (Iterable<Path>) files::iterator) {
          Path dest = to.resolve("data").resolve(node.dataDir().relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(dest);
          } else {
            Files.copy(p, dest);
          }
        }
      }
      log.error("{}: kept the member's data directory and log in {}", what, to.toAbsolutePath());
    } catch (IOException e) {
      log.error("{}: could not keep the member's data directory: {}", what, e.toString());
    }
  }

  private static long fileSize(Path p) {
    try {
      return Files.exists(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static String logSince(Path p, long from) {
    try {
      byte[] all = Files.readAllBytes(p);
      return new String(
          Arrays.copyOfRange(all, (int) Math.min(from, all.length), all.length),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** The writers, their channels, the ledger and the gate that pauses them. */
  private static final class Load implements AutoCloseable {
    final Ledger ledger = new Ledger();

    /** Writers hold the read lock for one request; the verifier takes the (fair) write lock. */
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<Writer> writers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final LedgerVerifier verifier;

    Load(StoreNodeProcess node, int n, long seed) {
      for (int i = 0; i < n; i++) {
        ManagedChannel ch = channel(node);
        channels.add(ch);
        writers.add(new Writer(i, seed, ch, ledger, gate.readLock()));
      }
      ManagedChannel vc = channel(node);
      channels.add(vc);
      verifier = new LedgerVerifier(vc, ledger);
    }

    private static ManagedChannel channel(StoreNodeProcess node) {
      return ManagedChannelBuilder.forAddress("127.0.0.1", node.clientPort())
          .usePlaintext()
          .maxInboundMessageSize(256 << 20)
          .build();
    }

    /** Starts every writer on a new thread with {@code requests} requests to issue. */
    void start(long requests) {
      threads.clear();
      for (Writer w : writers) {
        w.grant(requests);
        Thread t = new Thread(w, "writer-" + threads.size());
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }

    void joinWriters() {
      for (Thread t : threads) {
        try {
          t.join(TimeUnit.SECONDS.toMillis(120));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
        assertThat(t.isAlive()).as("%s still running after 120 s", t.getName()).isFalse();
      }
    }

    void stopWriters() {
      writers.forEach(Writer::stop);
      joinWriters();
    }

    /** After a restart: reconnect at once instead of after the channels' backoff. */
    void reconnectNow() {
      channels.forEach(ManagedChannel::resetConnectBackoff);
    }

    /** Verifies once every request in flight has been answered, with the writers held. */
    LedgerVerifier.Result verifyPaused() {
      return paused(verifier::verify);
    }

    private <T> T paused(Supplier<T> body) {
      gate.writeLock().lock();
      try {
        return body.get();
      } finally {
        gate.writeLock().unlock();
      }
    }

    @Override
    public void close() {
      writers.forEach(Writer::stop);
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
      for (Thread t : threads) {
        try {
          t.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
