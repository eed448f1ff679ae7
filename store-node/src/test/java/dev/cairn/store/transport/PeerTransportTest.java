package dev.cairn.store.transport;

import static dev.cairn.store.transport.TestMember.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.raft.Entry;
import dev.cairn.store.raft.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PeerTransportTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final List<TestMember> members = new ArrayList<>();

  private TestMember started(long id) {
    TestMember m = TestMember.started(id);
    members.add(m);
    return m;
  }

  private TestMember unstarted(long id, PeerOptions options) {
    TestMember m = TestMember.unstarted(id, TestMember.CLUSTER, options);
    members.add(m);
    return m;
  }

  @AfterEach
  void closeMembers() {
    members.forEach(TestMember::close);
  }

  private static List<Long> seqs(int n) {
    return LongStream.range(0, n).boxed().toList();
  }

  @Test
  void threeMembersGetEveryMessageInTheOrderSent() {
    TestMember a = started(1);
    TestMember b = started(2);
    TestMember c = started(3);
    a.knows(b, c);
    b.knows(a, c);
    c.knows(a, b);
    int n = 1000;

    for (int i = 0; i < n; i++) {
      for (TestMember from : List.of(a, b, c)) {
        for (TestMember to : List.of(a, b, c)) {
          if (from != to) {
            from.transport.send(msg(from.id, to.id, i));
          }
        }
      }
    }

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              for (TestMember to : List.of(a, b, c)) {
                for (TestMember from : List.of(a, b, c)) {
                  if (from != to) {
                    assertThat(to.seqsFrom(from.id)).isEqualTo(seqs(n));
                  }
                }
              }
            });
  }

  @Test
  void whatQueuesWhileThePeerIsDownGoesAsOneBatch() {
    TestMember a = started(1);
    TestMember b = unstarted(2, PeerOptions.defaults());
    a.knows(b);
    int n = 1000;

    for (int i = 0; i < n; i++) {
      a.transport.send(msg(1, 2, i));
    }
    await().atMost(WAIT).until(() -> a.unreachableReports(2) > 0);
    b.startServer();

    await().atMost(WAIT).untilAsserted(() -> assertThat(b.seqsFrom(1)).isEqualTo(seqs(n)));
    assertThat(a.transport.stats().batchesSent()).isEqualTo(1);
    assertThat(a.transport.stats().messagesSent()).isEqualTo(n);
  }

  @Test
  void quickSendsShareStreamWrites() {
    TestMember a = started(1);
    TestMember b = started(2);
    a.knows(b);
    int n = 4000; // within the queue bound, so none is dropped however slow the sender

    for (int i = 0; i < n; i++) {
      a.transport.send(msg(1, 2, i));
    }

    await().atMost(WAIT).untilAsserted(() -> assertThat(b.seqsFrom(1)).isEqualTo(seqs(n)));
    assertThat(a.transport.stats().messagesSent()).isEqualTo(n);
    assertThat(a.transport.stats().batchesSent()).isLessThan(n / 2);
  }

  @Test
  void aBatchOfSeveralMibGetsThrough() {
    TestMember a = started(1);
    TestMember b = unstarted(2, PeerOptions.defaults());
    a.knows(b);
    List<Message> sent = bigMessages(24, 512 * 1024);

    a.transport.send(sent);
    await().atMost(WAIT).until(() -> a.unreachableReports(2) > 0);
    b.startServer();

    await().atMost(WAIT).until(() -> b.received().size() == sent.size());
    assertThat(a.transport.stats().batchesSent()).isEqualTo(1);
    assertSameEntries(b.received(), sent);
  }

  @Test
  void aBatchOverTheSizeLimitIsSplit() {
    PeerOptions oneMib = PeerOptions.defaults().withMaxMessageBytes(1 << 20);
    TestMember a = TestMember.started(1, TestMember.CLUSTER, oneMib);
    members.add(a);
    TestMember b = unstarted(2, oneMib);
    a.knows(b);
    List<Message> sent = bigMessages(12, 300 * 1024);

    a.transport.send(sent);
    await().atMost(WAIT).until(() -> a.unreachableReports(2) > 0);
    b.startServer();

    await().atMost(WAIT).until(() -> b.received().size() == sent.size());
    assertThat(a.transport.stats().batchesSent()).isEqualTo(4);
    assertSameEntries(b.received(), sent);
  }

  @Test
  void theStreamComesBackAfterThePeerRestartsOnTheSamePort() {
    TestMember a = started(1);
    TestMember b = started(2);
    a.knows(b);
    a.transport.send(msg(1, 2, 0));
    await().atMost(WAIT).until(() -> b.seqsFrom(1).contains(0L));

    b.stopServer();
    await()
        .atMost(WAIT)
        .until(
            () -> {
              a.transport.send(msg(1, 2, 1));
              return a.unreachableReports(2) > 0;
            });
    b.startServer();
    await()
        .atMost(WAIT)
        .until(
            () -> {
              a.transport.send(msg(1, 2, 2));
              return b.seqsFrom(1).contains(2L);
            });

    for (int i = 100; i < 200; i++) {
      a.transport.send(msg(1, 2, i));
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(b.seqsFrom(1).stream().filter(s -> s >= 100).toList())
                    .isEqualTo(LongStream.range(100, 200).boxed().toList()));
  }

  @Test
  void messagesToUnknownPeersAreDropped() {
    TestMember a = started(1);

    a.transport.send(msg(1, 9, 0));

    assertThat(a.transport.stats().messagesDropped()).isEqualTo(1);
  }

  // AssertJ's recursive comparison walks arrays element by element: far too slow for MiBs.
  private static void assertSameEntries(List<Message> actual, List<Message> expected) {
    assertThat(actual)
        .extracting(Message::index)
        .isEqualTo(expected.stream().map(Message::index).toList());
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).entries()).hasSize(1);
      assertThat(
              Arrays.equals(
                  actual.get(i).entries().get(0).data(), expected.get(i).entries().get(0).data()))
          .as("data of message %d", i)
          .isTrue();
    }
  }

  private static List<Message> bigMessages(int count, int entryBytes) {
    Random r = new Random(count);
    List<Message> ms = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] data = new byte[entryBytes];
      r.nextBytes(data);
      ms.add(msg(1, 2, i).withEntries(List.of(Entry.normal(i + 1, 1, data))));
    }
    return ms;
  }
}
