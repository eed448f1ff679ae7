package dev.cairn.store.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.store.cli.StoreNodeMain;
import dev.cairn.store.testing.StoreNodeProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
  @TempDir Path tempDir;

  @Test
  void putStoresTheKeysAndRangeReadsThem() {
    try (StoreNodeProcess node = StoreNodeProcess.start(tempDir.resolve("member"))) {
      String put =
          runCapturing(
              "bench",
              "put",
              "--endpoints",
              node.endpoint(),
              "--conns",
              "2",
              "--clients",
              "4",
              "--total",
              "200",
              "--key-space-size",
              "200",
              "--sequential-keys",
              "--prefix",
              "bench/",
              "--val-size",
              "16");
      assertThat(put).contains("Requests/sec:", "99.9% in").containsPattern("RESULT .* errors=0");

      assertThat(countKeys(node, "bench/", "bench0")).isEqualTo(200);

      // Global options also go before the subcommand, as etcd's benchmark accepts them.
      String range =
          runCapturing(
              "bench",
              "--endpoints",
              "127.0.0.1:" + node.clientPort(),
              "--clients",
              "4",
              "range",
              "bench/",
              "bench0",
              "--total",
              "100");
      assertThat(range)
          .contains("bench with linearizable range")
          .containsPattern(
              "(?m)^RESULT requests_per_sec=[0-9.]+ p50_ms=[0-9.]+ p99_ms=[0-9.]+ errors=0$");

      String serializable =
          runCapturing(
              "bench",
              "range",
              "bench/",
              "--prefix",
              "--count-only",
              "--consistency",
              "s",
              "--endpoints",
              node.endpoint(),
              "--total",
              "50");
      assertThat(serializable).contains("bench with serializable range").contains("errors=0");

      String txn =
          runCapturing(
              "bench",
              "txn-put",
              "--endpoints",
              node.endpoint(),
              "--clients",
              "2",
              "--total",
              "20",
              "--txn-ops",
              "5",
              "--key-space-size",
              "100");
      assertThat(txn).contains("errors=0");
    }
  }

  @Test
  void watchLatencyAndLeaseKeepAliveRunAgainstAMember() {
    try (StoreNodeProcess node = StoreNodeProcess.start(tempDir.resolve("member"))) {
      String watch =
          runCapturing(
              "bench",
              "watch-latency",
              "--endpoints",
              node.endpoint(),
              "--conns",
              "2",
              "--watchers",
              "7",
              "--streams",
              "3",
              "--put-total",
              "20",
              "--put-rate",
              "200",
              "--prev-kv");
      assertThat(watch)
          .contains("Put summary:", "Watch events summary:", "99.9% in")
          .containsPattern(
              "(?m)^RESULT requests_per_sec=[0-9.]+ p50_ms=[0-9.]+ p99_ms=[0-9.]+ errors=0$");
      // A missing event counts as an error: errors=0 means all 7 × 20 events arrived.

      String keepAlive =
          runCapturing(
              "bench",
              "lease-keepalive",
              "--endpoints",
              node.endpoint(),
              "--conns",
              "2",
              "--clients",
              "4",
              "--total",
              "300");
      assertThat(keepAlive).contains("Requests/sec:").containsPattern("RESULT .* errors=0");
    }
  }

  @Test
  void badOptionsAreUsageErrors() {
    assertThat(StoreNodeMain.run("bench", "range", "foo", "--consistency", "x")).isEqualTo(2);
    assertThat(StoreNodeMain.run("bench", "put", "--key-size", "1", "--key-space-size", "100"))
        .isEqualTo(2);
    assertThat(StoreNodeMain.run("bench", "txn-put", "--txn-ops", "3")).isEqualTo(2);
    assertThat(StoreNodeMain.run("bench", "watch-latency", "--put-rate", "0")).isEqualTo(2);
    // "bench watch" is the same command under its shorter name.
    assertThat(
            new picocli.CommandLine(new BenchCommand())
                .parseArgs("watch", "--watchers", "5")
                .subcommand()
                .commandSpec()
                .name())
        .isEqualTo("watch-latency");
    assertThat(StoreNodeMain.run("bench", "lease-keepalive", "--total", "-1")).isEqualTo(2);
  }

  @Test
  void keysAreGoVarintsPaddedWithZeros() {
    assertThat(Keys.key(new byte[0], 0, 4).toByteArray()).containsExactly(0, 0, 0, 0);
    assertThat(Keys.key(new byte[0], 1, 3).toByteArray()).containsExactly(2, 0, 0);
    assertThat(Keys.key(new byte[] {'p'}, 64, 3).toByteArray()).containsExactly('p', 0x80, 1, 0);
    assertThat(Keys.varintLength(99_999)).isEqualTo(3);
  }

  @Test
  void endpointsWithOrWithoutScheme() {
    assertThat(Endpoint.parse("http://127.0.0.1:23790"))
        .isEqualTo(new Endpoint("127.0.0.1", 23790, false));
    assertThat(Endpoint.parse("localhost")).isEqualTo(new Endpoint("localhost", 2379, false));
    assertThat(Endpoint.parse("https://[::1]:2379/")).isEqualTo(new Endpoint("::1", 2379, true));
  }

  /** Runs the command line in this JVM and returns what it printed; fails on a non-zero exit. */
  private static String runCapturing(String... args) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream original = System.out;
    PrintStream tee =
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int b) {
                buf.write(b);
                original.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                buf.write(b, off, len);
                original.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8);
    int code;
    System.setOut(tee);
    try {
      code = StoreNodeMain.run(args);
    } finally {
      System.setOut(original);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(code).as("exit code of %s; output:%n%s", String.join(" ", args), out).isZero();
    return out;
  }

  private static long countKeys(StoreNodeProcess node, String from, String to) {
    ManagedChannel ch =
        ManagedChannelBuilder.forAddress("127.0.0.1", node.clientPort()).usePlaintext().build();
    try {
      return KVGrpc.newBlockingStub(ch)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .range(
              RangeRequest.newBuilder()
                  .setKey(ByteString.copyFromUtf8(from))
                  .setRangeEnd(ByteString.copyFromUtf8(to))
                  .setCountOnly(true)
                  .build())
          .getCount();
    } finally {
      ch.shutdownNow();
    }
  }
}
