package dev.cairn.store.linearizability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.testing.InProcessMember;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workload recorder against one in-process member, whose histories must check out. */
class KvWorkloadTest {
  @TempDir static Path dir;
  private static InProcessMember member;

  @BeforeAll
  static void start() throws Exception {
    member = new InProcessMember(dir);
  }

  @AfterAll
  static void stop() {
    member.close();
  }

  @Test
  void fourClientsForAFewSecondsRecordALinearizableHistory() throws Exception {
    KvWorkload workload =
        KvWorkload.builder(List.of(member.endpoint()))
            .clients(4)
            .keys(List.of("run/a", "run/b", "run/c"))
            .duration(Duration.ofSeconds(3))
            .seed(3)
            .build();

    History<KvInput, KvOutput> history = workload.run();

    List<Operation<KvInput, KvOutput>> ops = history.operations();
    assertThat(ops).hasSize((int) (workload.counts().completed() + workload.counts().unknown()));
    assertThat(workload.counts().completed()).isGreaterThan(300);
    assertThat(ops).anyMatch(completed(op -> op.input() instanceof KvInput.Get));
    assertThat(ops).anyMatch(completed(op -> op.input() instanceof KvInput.Put));
    assertThat(ops).anyMatch(completed(op -> op.output().equals(KvOutput.deleted(1))));
    assertThat(ops).anyMatch(completed(op -> op.output().equals(KvOutput.swapped(true))));
    assertThat(ops).anyMatch(completed(op -> op.output().equals(KvOutput.swapped(false))));
    assertThat(ops)
        .anyMatch(completed(op -> op.output() instanceof KvOutput.Read r && r.value() != null));
    LinearizabilityAssertions.assertLinearizable(history);
  }

  @Test
  void aWorkloadEndsAfterItsOperationCountStartingFromEmptyKeys() throws Exception {
    try (Client client = Client.builder().endpoints(member.endpoint()).build()) {
      client.getKVClient().put(bytes("count/a"), bytes("left over")).get(10, TimeUnit.SECONDS);
    }
    KvWorkload workload =
        KvWorkload.builder(List.of(member.endpoint()))
            .keys(List.of("count/a"))
            .operations(200)
            .duration(Duration.ofMinutes(1))
            .build();

    workload.run();

    KvWorkload.Counts counts = workload.counts();
    assertThat(counts.completed() + counts.unknown() + counts.failedReads()).isEqualTo(200);
    assertThat(workload.history().operations())
        .noneMatch(op -> KvOutput.read("left over").equals(op.output()));
    LinearizabilityAssertions.assertLinearizable(workload.history());
  }

  @Test
  void stopEndsARunningWorkload() throws Exception {
    KvWorkload workload =
        KvWorkload.builder(List.of(member.endpoint(), member.endpoint()))
            .connection(KvWorkload.Connection.ALL_ENDPOINTS)
            .keys(List.of("stop/a", "stop/b"))
            .duration(Duration.ofMinutes(5))
            .build()
            .start();
    await().atMost(Duration.ofSeconds(30)).until(() -> workload.counts().completed() >= 100);

    long before = System.nanoTime();
    History<KvInput, KvOutput> history = workload.stop();

    assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(10));
    assertThat(history.size()).isGreaterThanOrEqualTo(100);
    LinearizabilityAssertions.assertLinearizable(history);
  }

  private static Predicate<Operation<KvInput, KvOutput>> completed(
      Predicate<Operation<KvInput, KvOutput>> test) {
    return op -> !op.outcomeUnknown() && test.test(op);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
