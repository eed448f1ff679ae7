package dev.cairn.store.transport;

import static dev.cairn.store.transport.TestMember.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.raft.Entry;
import dev.cairn.store.testing.Ports;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SlowPeerTest {
  private static final long LIVE = 2;
  private static final long DEAD = 3;
  private static final long HOLE = 4;

  @Test
  void deadAndSilentPeersDoNotHoldBackALivePeer() throws Exception {
    try (TestMember a = TestMember.started(1);
        TestMember b = TestMember.started(LIVE);
        BlackHole hole = new BlackHole()) {
      a.knows(b);
      a.transport.addPeer(DEAD, List.of(URI.create("http://127.0.0.1:" + Ports.free())));
      a.transport.addPeer(HOLE, List.of(hole.url()));
      byte[] payload = new byte[16 * 1024];
      int n = 2000;

      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        a.transport.send(msg(1, DEAD, i).withEntries(List.of(Entry.normal(i, 1, payload))));
        a.transport.send(msg(1, HOLE, i).withEntries(List.of(Entry.normal(i, 1, payload))));
        a.transport.send(msg(1, LIVE, i));
      }
      Duration sending = Duration.ofNanos(System.nanoTime() - start);

      await()
          .atMost(Duration.ofSeconds(3))
          .untilAsserted(
              () -> assertThat(b.seqsFrom(1)).isEqualTo(LongStream.range(0, n).boxed().toList()));
      assertThat(sending).isLessThan(Duration.ofSeconds(1));
      await().atMost(Duration.ofSeconds(5)).until(() -> a.unreachableReports(DEAD) > 0);
    }
  }

  @Test
  void aFullQueueDropsAndReportsInsteadOfGrowing() throws Exception {
    int bound = 16;
    PeerOptions small = PeerOptions.defaults().withQueueBound(bound);
    try (TestMember a = TestMember.started(1, TestMember.CLUSTER, small);
        BlackHole hole = new BlackHole()) {
      a.transport.addPeer(HOLE, List.of(hole.url()));

      for (int i = 0; i < 100; i++) {
        a.transport.send(msg(1, HOLE, i));
      }

      assertThat(a.transport.stats().messagesDropped()).isEqualTo(100 - bound);
      assertThat(a.transport.stats().messagesSent()).isZero();
      await().atMost(Duration.ofSeconds(5)).until(() -> a.unreachableReports(HOLE) > 0);
    }
  }
}
