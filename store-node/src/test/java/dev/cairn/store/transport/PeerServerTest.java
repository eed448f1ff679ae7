package dev.cairn.store.transport;

import static dev.cairn.store.transport.TestMember.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.cairn.proto.peer.MessageBatch;
import dev.cairn.proto.peer.PeerGrpc;
import dev.cairn.proto.peer.SnapshotAck;
import dev.cairn.proto.peer.SnapshotChunk;
import dev.cairn.proto.peer.StreamSummary;
import dev.cairn.store.raft.Message;
import dev.cairn.store.raft.Snapshot;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PeerServerTest {
  private static final long OTHER_CLUSTER = 0xdeadbeefL;
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void aStreamFromAnotherClusterIsRefusedNamingBothIds() throws Exception {
    try (TestMember b = TestMember.started(2)) {
      Status status = streamOnce(b, PeerHeaders.of(1, OTHER_CLUSTER));

      assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(status.getDescription())
          .contains("cluster ID mismatch")
          .contains(Long.toHexString(TestMember.CLUSTER))
          .contains(Long.toHexString(OTHER_CLUSTER));
      assertThat(b.received()).isEmpty();
      assertThat(b.server().stats().received()).isZero();
    }
  }

  @Test
  void aStreamWithoutIdsIsRefused() throws Exception {
    try (TestMember b = TestMember.started(2)) {
      Status status = streamOnce(b, new Metadata());

      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(b.received()).isEmpty();
    }
  }

  @Test
  void aTransportOfAnotherClusterDeliversNothingAndReportsThePeer() {
    try (TestMember a = TestMember.started(1, OTHER_CLUSTER, PeerOptions.defaults());
        TestMember b = TestMember.started(2)) {
      a.knows(b);

      await()
          .atMost(WAIT)
          .until(
              () -> {
                a.transport.send(msg(1, 2, 0));
                return a.unreachableReports(2) >= 3;
              });

      assertThat(b.received()).isEmpty();
      assertThat(b.server().stats().received()).isZero();
    }
  }

  @Test
  void messagesForAnotherMemberAreDropped() {
    try (TestMember a = TestMember.started(1);
        TestMember b = TestMember.started(2)) {
      // Member 3's messages are routed to b's address, as after a stale URL.
      a.transport.addPeer(3, List.of(b.url()));
      a.knows(b);

      a.transport.send(msg(1, 3, 0));
      a.transport.send(msg(1, 2, 1));

      await().atMost(WAIT).until(() -> b.server().stats().dropped() == 1);
      await().atMost(WAIT).until(() -> b.seqsFrom(1).equals(List.of(1L)));
    }
  }

  @Test
  void malformedSnapshotStreamsAreRefusedAndLeaveNoFile() throws Exception {
    try (TestMember b = TestMember.started(2)) {
      Metadata ids = PeerHeaders.of(1, TestMember.CLUSTER);
      SnapshotChunk header = snapshotHeader(2, 64);
      SnapshotChunk bytes40 = data(40);

      assertThat(snapshotOnce(b, ids).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(snapshotOnce(b, ids, bytes40).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(
              snapshotOnce(
                      b,
                      ids,
                      SnapshotChunk.newBuilder()
                          .setMessage(MessageCodec.encode(msg(1, 2, 0)))
                          .setSize(64)
                          .build())
                  .getCode())
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(snapshotOnce(b, ids, snapshotHeader(2, SnapshotReceiver.MAX_BYTES + 1)).getCode())
          .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(snapshotOnce(b, ids, snapshotHeader(2, 10)).getCode())
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(snapshotOnce(b, ids, snapshotHeader(3, 64)).getCode())
          .isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(snapshotOnce(b, ids, header, bytes40).getCode()).isEqualTo(Status.Code.DATA_LOSS);
      assertThat(snapshotOnce(b, ids, header, bytes40, bytes40).getCode())
          .isEqualTo(Status.Code.DATA_LOSS);
      assertThat(snapshotOnce(b, ids, header, bytes40, header).getCode())
          .isEqualTo(Status.Code.INVALID_ARGUMENT);

      assertThat(b.received()).isEmpty();
      assertThat(b.snapshotFiles()).isEmpty();
    }
  }

  private static SnapshotChunk snapshotHeader(long to, long size) {
    Message m =
        Message.of(Message.Type.SNAPSHOT, 1, to, 2)
            .withSnapshot(new Snapshot(10, 2, null, new byte[0]));
    return SnapshotChunk.newBuilder().setMessage(MessageCodec.encode(m)).setSize(size).build();
  }

  private static SnapshotChunk data(int n) {
    return SnapshotChunk.newBuilder().setData(ByteString.copyFrom(new byte[n])).build();
  }

  /** Sends these chunks on one raw snapshot stream and returns how it ended. */
  private static Status snapshotOnce(TestMember to, Metadata headers, SnapshotChunk... chunks)
      throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", to.port).usePlaintext().build();
    try {
      CompletableFuture<Status> ended = new CompletableFuture<>();
      StreamObserver<SnapshotChunk> requests =
          PeerGrpc.newStub(ch)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
              .snapshot(
                  new StreamObserver<SnapshotAck>() {
                    @Override
                    public void onNext(SnapshotAck ack) {}

                    @Override
                    public void onError(Throwable t) {
                      ended.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                      ended.complete(Status.OK);
                    }
                  });
      for (SnapshotChunk c : chunks) {
        requests.onNext(c);
      }
      requests.onCompleted();
      return ended.get(10, TimeUnit.SECONDS);
    } finally {
      ch.shutdownNow();
    }
  }

  /** Opens one raw stream with these headers, writes a batch and returns how it ended. */
  private static Status streamOnce(TestMember to, Metadata headers) throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", to.port).usePlaintext().build();
    try {
      CompletableFuture<Status> ended = new CompletableFuture<>();
      StreamObserver<MessageBatch> requests =
          PeerGrpc.newStub(ch)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
              .stream(
                  new StreamObserver<StreamSummary>() {
                    @Override
                    public void onNext(StreamSummary s) {}

                    @Override
                    public void onError(Throwable t) {
                      ended.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                      ended.complete(Status.OK);
                    }
                  });
      requests.onNext(
          MessageBatch.newBuilder().addMessages(MessageCodec.encode(msg(1, to.id, 0))).build());
      requests.onCompleted();
      return ended.get(10, TimeUnit.SECONDS);
    } finally {
      ch.shutdownNow();
    }
  }
}
