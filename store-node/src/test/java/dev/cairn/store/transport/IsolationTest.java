package dev.cairn.store.transport;

import static org.awaitility.Awaitility.await;

import dev.cairn.store.raft.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IsolationTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;

  @Test
  void theFaultsFileIsolatesAMemberAndThenHealsIt() throws Exception {
    Path faults = dir.resolve("faults");
    PeerOptions withFaults = PeerOptions.defaults().withFaultsFile(faults);
    try (TestMember a = TestMember.started(1, TestMember.CLUSTER, withFaults);
        TestMember b = TestMember.started(2)) {
      a.knows(b);
      b.knows(a);
      exchange(a, b, 1);
      await().atMost(WAIT).until(() -> bothGot(a, b, 1));

      long sendDrops = a.transport.stats().messagesDropped();
      long receiveDrops = a.server().stats().dropped();

      Files.writeString(faults, "isolate\n");
      // Term 3 marks what is sent once a's sending and receiving sides both drop.
      await()
          .atMost(WAIT)
          .until(
              () -> {
                exchange(a, b, 2);
                return a.transport.stats().messagesDropped() > sendDrops
                    && a.server().stats().dropped() > receiveDrops;
              });
      for (int i = 0; i < 50; i++) {
        exchange(a, b, 3);
      }
      await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> !anyGot(a, b, 3));

      Files.writeString(faults, "");
      await()
          .atMost(WAIT)
          .until(
              () -> {
                exchange(a, b, 4);
                return bothGot(a, b, 4);
              });
    }
  }

  private static void exchange(TestMember a, TestMember b, long term) {
    a.transport.send(Message.of(Message.Type.HEARTBEAT, a.id, b.id, term));
    b.transport.send(Message.of(Message.Type.HEARTBEAT, b.id, a.id, term));
  }

  private static boolean got(TestMember m, long term) {
    return m.received().stream().anyMatch(x -> x.term() == term);
  }

  private static boolean bothGot(TestMember a, TestMember b, long term) {
    return got(a, term) && got(b, term);
  }

  private static boolean anyGot(TestMember a, TestMember b, long term) {
    return got(a, term) || got(b, term);
  }
}
