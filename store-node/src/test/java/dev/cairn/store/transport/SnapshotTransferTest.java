package dev.cairn.store.transport;

import static dev.cairn.store.transport.TestMember.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.raft.ConfState;
import dev.cairn.store.raft.Message;
import dev.cairn.store.raft.Snapshot;
import dev.cairn.store.transport.TestMember.SnapshotReport;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTransferTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long OTHER_CLUSTER = 0xdeadbeefL;
  private static final SnapshotReport DELIVERED = new SnapshotReport(2, true);
  private static final SnapshotReport FAILED = new SnapshotReport(2, false);

  @TempDir Path dir;

  /** A snapshot file: {@code bodyBytes} seeded random bytes, then their SHA-256. */
  private Path snapshotFile(String name, long bodyBytes) throws Exception {
    Path file = dir.resolve(name);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    Random r = new Random(bodyBytes);
    byte[] buf = new byte[1 << 16];
    try (OutputStream out = Files.newOutputStream(file);
        DigestOutputStream body = new DigestOutputStream(out, sha)) {
      for (long left = bodyBytes; left > 0; left -= buf.length) {
        r.nextBytes(buf);
        body.write(buf, 0, (int) Math.min(buf.length, left));
      }
      body.on(false);
      out.write(sha.digest());
    }
    return file;
  }

  private static SnapshotSource from(Path file) {
    return () -> new SnapshotSource.Payload(Files.newInputStream(file), Files.size(file));
  }

  /** Serves the file's first {@code openBytes} bytes at once and the rest once the gate opens. */
  private static SnapshotSource gated(Path file, long openBytes, CountDownLatch gate) {
    return () ->
        new SnapshotSource.Payload(
            new FilterInputStream(Files.newInputStream(file)) {
              long served;

              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                if (served >= openBytes) {
                  try {
                    gate.await();
                  } catch (InterruptedException e) {
                    throw new InterruptedIOException();
                  }
                } else {
                  len = (int) Math.min(len, openBytes - served);
                }
                int n = super.read(b, off, len);
                served += Math.max(n, 0);
                return n;
              }
            },
            Files.size(file));
  }

  private static Message snapshotMessage(long from, long to, long index, long term) {
    return Message.of(Message.Type.SNAPSHOT, from, to, term)
        .withSnapshot(new Snapshot(index, term, new ConfState(Set.of(from, to), Set.of()), null));
  }

  private static boolean hasPart(TestMember m) {
    return m.snapshotFiles().stream().anyMatch(f -> f.endsWith(".part"));
  }

  @Test
  void fiftyMegabytesArriveByteIdenticalAsAFileNamedInTheMessage() throws Exception {
    Path file = snapshotFile("big.snap", 50L << 20);
    try (TestMember a = TestMember.started(1);
        TestMember b = TestMember.started(2)) {
      a.snapshots = from(file);
      a.knows(b);

      a.transport.send(snapshotMessage(1, 2, 100, 4));

      await().atMost(WAIT).until(() -> a.snapshotReports().equals(List.of(DELIVERED)));
      List<Message> got =
          b.received().stream().filter(m -> m.type() == Message.Type.SNAPSHOT).toList();
      assertThat(got).hasSize(1);
      Message m = got.get(0);
      assertThat(m.from()).isEqualTo(1);
      assertThat(m.term()).isEqualTo(4);
      assertThat(m.snapshot().index()).isEqualTo(100);
      assertThat(m.snapshot().term()).isEqualTo(4);
      assertThat(m.snapshot().conf().voters()).containsExactlyInAnyOrder(1L, 2L);
      Path arrived = Path.of(new String(m.snapshot().data(), StandardCharsets.UTF_8));
      assertThat(arrived).isAbsolute();
      assertThat(arrived.getParent()).isEqualTo(b.snapshotDir.toAbsolutePath());
      assertThat(arrived.getFileName()).hasToString("0000000000000004-0000000000000064.snap");
      assertThat(Files.mismatch(arrived, file)).isEqualTo(-1L);
      assertThat(b.snapshotFiles()).containsExactly(arrived.getFileName().toString());
    }
  }

  @Test
  void aWrongTrailerIsRefusedAndLeavesNoFile() throws Exception {
    Path file = snapshotFile("bad.snap", 3 << 20);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 1;
    Files.write(file, bytes);
    try (TestMember a = TestMember.started(1);
        TestMember b = TestMember.started(2)) {
      a.snapshots = from(file);
      a.knows(b);

      a.transport.send(snapshotMessage(1, 2, 100, 4));

      await().atMost(WAIT).until(() -> a.snapshotReports().equals(List.of(FAILED)));
      assertThat(b.received()).isEmpty();
      assertThat(b.snapshotFiles()).isEmpty();
    }
  }

  @Test
  void aSourceThatCannotOpenIsReportedAsNotDelivered() {
    try (TestMember a = TestMember.started(1);
        TestMember b = TestMember.started(2)) {
      a.knows(b);

      a.transport.send(snapshotMessage(1, 2, 100, 4));

      await().atMost(WAIT).until(() -> a.snapshotReports().equals(List.of(FAILED)));
      assertThat(b.received()).isEmpty();
    }
  }

  @Test
  void aSourceShorterThanItsSizeIsNotDelivered() throws Exception {
    Path file = snapshotFile("short.snap", 1 << 20);
    try (TestMember a = TestMember.started(1);
        TestMember b = TestMember.started(2)) {
      a.snapshots =
          () -> new SnapshotSource.Payload(Files.newInputStream(file), Files.size(file) + 10);
      a.knows(b);

      a.transport.send(snapshotMessage(1, 2, 100, 4));

      await().atMost(WAIT).until(() -> a.snapshotReports().equals(List.of(FAILED)));
      assertThat(b.received()).isEmpty();
      await().atMost(WAIT).until(() -> b.snapshotFiles().isEmpty());
    }
  }

  @Test
  void aReceiverThatGoesAwayMidStreamIsReportedAndItsPartialFileGoesAtRestart() throws Exception {
    Path file = snapshotFile("cut.snap", 16 << 20);
    CountDownLatch gate = new CountDownLatch(1);
    try (TestMember a = TestMember.started(1);
        TestMember b = TestMember.started(2)) {
      a.snapshots = gated(file, 4 << 20, gate);
      a.knows(b);

      a.transport.send(snapshotMessage(1, 2, 100, 4));
      await().atMost(WAIT).until(() -> hasPart(b));
      b.stopServer();
      gate.countDown();

      await().atMost(WAIT).until(() -> a.snapshotReports().equals(List.of(FAILED)));
      assertThat(b.received()).isEmpty();
      b.startServer();
      assertThat(b.snapshotFiles()).isEmpty();
    }
  }

  @Test
  void anIsolatedMemberReportsItsSnapshotAsNotDelivered() throws Exception {
    Path file = snapshotFile("isolated.snap", 1 << 20);
    Path faults = dir.resolve("faults");
    Files.writeString(faults, "isolate\n");
    PeerOptions isolated = PeerOptions.defaults().withFaultsFile(faults);
    try (TestMember a = TestMember.started(1, TestMember.CLUSTER, isolated);
        TestMember b = TestMember.started(2)) {
      a.snapshots = from(file);
      a.knows(b);

      a.transport.send(snapshotMessage(1, 2, 100, 4));

      await().atMost(WAIT).until(() -> a.snapshotReports().equals(List.of(FAILED)));
      assertThat(b.received()).isEmpty();
    }
  }

  @Test
  void aSnapshotFromAnotherClusterIsRefused() throws Exception {
    Path file = snapshotFile("other.snap", 1 << 20);
    try (TestMember a = TestMember.started(1, OTHER_CLUSTER, PeerOptions.defaults());
        TestMember b = TestMember.started(2)) {
      a.snapshots = from(file);
      a.knows(b);

      a.transport.send(snapshotMessage(1, 2, 100, 4));

      await().atMost(WAIT).until(() -> a.snapshotReports().equals(List.of(FAILED)));
      assertThat(b.received()).isEmpty();
      assertThat(b.snapshotFiles()).isEmpty();
    }
  }

  @Test
  void messagesKeepFlowingWhileASnapshotStreamsAndASecondSnapshotIsDropped() throws Exception {
    Path file = snapshotFile("slow.snap", 8 << 20);
    CountDownLatch gate = new CountDownLatch(1);
    try (TestMember a = TestMember.started(1);
        TestMember b = TestMember.started(2)) {
      a.snapshots = gated(file, 2 << 20, gate);
      a.knows(b);

      a.transport.send(snapshotMessage(1, 2, 100, 4));
      await().atMost(WAIT).until(() -> hasPart(b));
      long dropped = a.transport.stats().messagesDropped();
      a.transport.send(snapshotMessage(1, 2, 101, 4));
      assertThat(a.transport.stats().messagesDropped()).isEqualTo(dropped + 1);
      for (int i = 0; i < 100; i++) {
        a.transport.send(msg(1, 2, i));
      }

      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> assertThat(b.seqsFrom(1)).isEqualTo(LongStream.range(0, 100).boxed().toList()));
      assertThat(a.snapshotReports()).isEmpty();
      gate.countDown();

      await().atMost(WAIT).until(() -> a.snapshotReports().equals(List.of(DELIVERED)));
      Message m = b.received().get(b.received().size() - 1);
      assertThat(m.type()).isEqualTo(Message.Type.SNAPSHOT);
      assertThat(
              Files.mismatch(
                  Path.of(new String(m.snapshot().data(), StandardCharsets.UTF_8)), file))
          .isEqualTo(-1L);
    }
  }
}
