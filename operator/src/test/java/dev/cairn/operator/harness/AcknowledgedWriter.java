package dev.cairn.operator.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A client that puts {@code PREFIX<n>} for n = 0, 1, … one at a time, a few milliseconds apart,
 * recording which puts were acknowledged; afterwards, every acknowledged key must be readable.
 */
final class AcknowledgedWriter implements AutoCloseable {
  private final String prefix;
  private final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
  private final Client etcd;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "acknowledged-writer");
            t.setDaemon(true);
            return t;
          });
  private int next;

  private AcknowledgedWriter(Client etcd, String prefix) {
    this.etcd = etcd;
    this.prefix = prefix;
  }

  /** Starts writing under {@code prefix} through {@code etcd}. */
  static AcknowledgedWriter start(Client etcd, String prefix) {
    AcknowledgedWriter writer = new AcknowledgedWriter(etcd, prefix);
    // A fixed delay after each acknowledged or failed put keeps one write in flight at a time.
    writer.executor.scheduleWithFixedDelay(writer::writeOne, 0, 20, TimeUnit.MILLISECONDS);
    return writer;
  }

  /** How many puts have been acknowledged so far. */
  int acknowledgedCount() {
    return acknowledged.size();
  }

  private void writeOne() {
    String key = prefix + String.format("%06d", next++);
    try {
      etcd.getKVClient().put(bytes(key), bytes("v")).get(5, TimeUnit.SECONDS);
      acknowledged.add(key);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // Not acknowledged: it may or may not have been applied; only acknowledged keys count.
    }
  }

  /**
   * Stops writing and checks, through a fresh client on {@code endpoint}, that every acknowledged
   * key is there.
   *
   * @return how many writes were acknowledged
   */
  int stopAndVerify(String endpoint) {
    close();
    List<String> keys = List.copyOf(acknowledged);
    try (Client reader = Client.builder().endpoints(endpoint).build()) {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                List<KeyValue> kvs =
                    reader
                        .getKVClient()
                        .get(bytes(prefix), GetOption.builder().isPrefix(true).build())
                        .get(10, TimeUnit.SECONDS)
                        .getKvs();
                assertThat(
                        kvs.stream()
                            .map(kv -> kv.getKey().toString(StandardCharsets.UTF_8))
                            .toList())
                    .containsAll(keys);
              });
    }
    return keys.size();
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
