package dev.cairn.store.linearizability;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Concurrent jetcd clients sending puts, linearizable gets, deletes and compare-and-swap Txns on a
 * few keys, each client one request at a time, every request recorded in a {@link History} for the
 * {@link LinearizabilityChecker}. Every written value is unique ({@code c3-17} is client 3's 17th),
 * so each read can be traced to its write.
 *
 * <p>A write that fails in any way is recorded with an unknown outcome; a failed read is dropped.
 * jetcd does not retry writes unless asked to, which matters: a retried put could take effect
 * twice.
 */
public final class KvWorkload {
  /** Which endpoints each client talks to. */
  public enum Connection {
    /** Client i talks to endpoint i modulo their number. */
    ONE_ENDPOINT,
    /** Every client balances over all endpoints. */
    ALL_ENDPOINTS
  }

  /**
   * Requests answered (recorded with their answer), writes that failed (recorded with unknown
   * outcome) and reads that failed (left out).
   */
  public record Counts(long completed, long unknown, long failedReads) {}

  enum Outcome {
    COMPLETED,
    UNKNOWN,
    FAILED_READ
  }

  private final List<String> endpoints;
  private final int clients;
  private final List<String> keys;
  private final OpMix mix;
  private final Connection connection;
  private final Duration opTimeout;
  private final Duration duration;
  private final long operations;
  private final long seed;

  private final History<KvInput, KvOutput> history = new History<>();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicLong issued = new AtomicLong();
  private final LongAdder completed = new LongAdder();
  private final LongAdder unknown = new LongAdder();
  private final LongAdder failedReads = new LongAdder();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicReference<RuntimeException> crash = new AtomicReference<>();
  private long deadlineNanos;

  private KvWorkload(Builder b) {
    endpoints = List.copyOf(b.endpoints);
    clients = b.clients;
    keys = List.copyOf(b.keys);
    mix = b.mix;
    connection = b.connection;
    opTimeout = b.opTimeout;
    duration = b.duration;
    operations = b.operations;
    seed = b.seed;
  }

  public static Builder builder(List<String> endpoints) {
    return new Builder(endpoints);
  }

  /** Empties the keys, so the history starts from absent ones, and starts the clients. */
  public synchronized KvWorkload start() {
    if (!threads.isEmpty()) {
      throw new IllegalStateException("already started");
    }
    clearKeys();
    deadlineNanos = System.nanoTime() + duration.toNanos();
    for (int id = 1; id <= clients; id++) {
      KvClientLoop loop =
          new KvClientLoop(
              this,
              id,
              endpointsOf(id),
              keys,
              mix,
              opTimeout,
              new SplittableRandom(seed * 31 + id));
      threads.add(Thread.ofPlatform().name("kv-workload-c" + id).start(loop));
    }
    return this;
  }

  /** Waits for the duration or operation count to run out. */
  public History<KvInput, KvOutput> awaitCompletion() throws InterruptedException {
    for (Thread thread : startedThreads()) {
      thread.join();
    }
    if (crash.get() != null) {
      throw new IllegalStateException("a client of the workload failed", crash.get());
    }
    return history;
  }

  public History<KvInput, KvOutput> run() throws InterruptedException {
    return start().awaitCompletion();
  }

  /** Lets each client finish the request it is sending, then waits for them all. */
  public History<KvInput, KvOutput> stop() throws InterruptedException {
    stopping.set(true);
    return awaitCompletion();
  }

  public History<KvInput, KvOutput> history() {
    return history;
  }

  public Counts counts() {
    return new Counts(completed.sum(), unknown.sum(), failedReads.sum());
  }

  /** Whether a client may send one more request. */
  boolean mayContinue() {
    return !stopping.get()
        && System.nanoTime() - deadlineNanos < 0
        && issued.incrementAndGet() <= operations;
  }

  void crashed(RuntimeException e) {
    crash.compareAndSet(null, e);
    stopping.set(true);
  }

  void count(Outcome outcome) {
    switch (outcome) {
      case COMPLETED -> completed.increment();
      case UNKNOWN -> unknown.increment();
      case FAILED_READ -> failedReads.increment();
    }
  }

  private synchronized List<Thread> startedThreads() {
    return List.copyOf(threads);
  }

  private List<String> endpointsOf(int id) {
    return switch (connection) {
      case ONE_ENDPOINT -> List.of(endpoints.get((id - 1) % endpoints.size()));
      case ALL_ENDPOINTS -> endpoints;
    };
  }

  private void clearKeys() {
    try (Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
      for (String key : keys) {
        client
            .getKVClient()
            .delete(ByteSequence.from(key, StandardCharsets.UTF_8))
            .get(opTimeout.toMillis() * 5, TimeUnit.MILLISECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException("could not clear the workload's keys", e);
    }
  }

  /** Settings, with defaults suited to a short run against a local cluster. */
  public static final class Builder {
    private final List<String> endpoints;
    private int clients = 4;
    private List<String> keys = List.of("lin/0", "lin/1", "lin/2");
    private OpMix mix = OpMix.DEFAULT;
    private Connection connection = Connection.ONE_ENDPOINT;
    private Duration opTimeout = Duration.ofSeconds(2);
    private Duration duration = Duration.ofSeconds(10);
    private long operations = Long.MAX_VALUE;
    private long seed = 1;

    private Builder(List<String> endpoints) {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("no endpoints");
      }
      this.endpoints = endpoints;
    }

    public Builder clients(int clients) {
      if (clients < 1) {
        throw new IllegalArgumentException("clients: " + clients);
      }
      this.clients = clients;
      return this;
    }

    public Builder keys(List<String> keys) {
      if (keys.isEmpty()) {
        throw new IllegalArgumentException("no keys");
      }
      this.keys = keys;
      return this;
    }

    public Builder mix(OpMix mix) {
      this.mix = Objects.requireNonNull(mix);
      return this;
    }

    public Builder connection(Connection connection) {
      this.connection = Objects.requireNonNull(connection);
      return this;
    }

    /** How long a request may take before its outcome counts as unknown. */
    public Builder opTimeout(Duration opTimeout) {
      this.opTimeout = Objects.requireNonNull(opTimeout);
      return this;
    }

    /** Stop sending after this long (whichever of duration and operations comes first). */
    public Builder duration(Duration duration) {
      this.duration = Objects.requireNonNull(duration);
      return this;
    }

    /** Stop after sending this many requests in all (whichever comes first). */
    public Builder operations(long operations) {
      this.operations = operations;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public KvWorkload build() {
      return new KvWorkload(this);
    }
  }
}
