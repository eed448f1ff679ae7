package dev.cairn.store.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.proto.etcdserverpb.MaintenanceGrpc;
import dev.cairn.proto.etcdserverpb.SnapshotRequest;
import dev.cairn.proto.etcdserverpb.SnapshotResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Snapshot stream: etcd's chunking, remaining bytes, trailer and version; flow; release. */
class SnapshotStreamingTest {
  private static final int CHUNK = 32 * 1024;

  @TempDir Path dir;
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  /** A snapshot file: {@code dataBytes} of data, then the SHA-256 of that data. */
  private Path snapshotFile(int dataBytes) throws Exception {
    byte[] data = new byte[dataBytes];
    new Random(dataBytes).nextBytes(data);
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(data);
    Path f = dir.resolve("db-" + dataBytes);
    byte[] all = Arrays.copyOf(data, dataBytes + sha.length);
    System.arraycopy(sha, 0, all, dataBytes, sha.length);
    Files.write(f, all);
    return f;
  }

  private SnapshotOnlyMaintenance serve(Path file, long claimedSize) throws Exception {
    SnapshotOnlyMaintenance m = new SnapshotOnlyMaintenance(file, claimedSize);
    String name = "snapshot-" + System.nanoTime();
    server =
        InProcessServerBuilder.forName(name)
            .addService(new MaintenanceService(m, new Headers(new FakeMember()), "3.5.17"))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
    return m;
  }

  private List<SnapshotResponse> fetch() {
    List<SnapshotResponse> out = new ArrayList<>();
    MaintenanceGrpc.newBlockingStub(channel)
        .snapshot(SnapshotRequest.getDefaultInstance())
        .forEachRemaining(out::add);
    return out;
  }

  private static byte[] concat(List<SnapshotResponse> msgs) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    msgs.forEach(m -> b.writeBytes(m.getBlob().toByteArray()));
    return b.toByteArray();
  }

  @Test
  void dataGoesIn32KiBChunksCountingDownThenTheShaAlone() throws Exception {
    int data = 3 * CHUNK + 100;
    Path file = snapshotFile(data);
    SnapshotOnlyMaintenance m = serve(file, Files.size(file));

    List<SnapshotResponse> msgs = fetch();

    assertThat(msgs)
        .extracting(r -> r.getBlob().size())
        .containsExactly(CHUNK, CHUNK, CHUNK, 100, 32);
    assertThat(msgs)
        .extracting(SnapshotResponse::getRemainingBytes)
        .containsExactly((long) data - CHUNK, (long) data - 2 * CHUNK, 100L, 0L, 0L);
    assertThat(msgs).extracting(SnapshotResponse::getVersion).containsOnly("3.6.0");
    assertThat(msgs).allSatisfy(r -> assertThat(r.hasHeader()).isFalse());
    assertThat(concat(msgs)).isEqualTo(Files.readAllBytes(file));
    byte[] bytes = Files.readAllBytes(file);
    assertThat(msgs.get(4).getBlob().toByteArray())
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(bytes, data)));
    await().atMost(Duration.ofSeconds(5)).untilTrue(m.released);
  }

  @Test
  void dataOfWholeChunksEndsWithAChunkAtZeroThenTheSha() throws Exception {
    Path file = snapshotFile(2 * CHUNK);
    SnapshotOnlyMaintenance m = serve(file, Files.size(file));

    List<SnapshotResponse> msgs = fetch();

    assertThat(msgs).extracting(r -> r.getBlob().size()).containsExactly(CHUNK, CHUNK, 32);
    assertThat(msgs)
        .extracting(SnapshotResponse::getRemainingBytes)
        .containsExactly((long) CHUNK, 0L, 0L);
    assertThat(concat(msgs)).isEqualTo(Files.readAllBytes(file));
    await().atMost(Duration.ofSeconds(5)).untilTrue(m.released);
  }

  @Test
  void anEmptyKeySpaceSendsOnlyTheSha() throws Exception {
    Path file = snapshotFile(0);
    serve(file, Files.size(file));

    List<SnapshotResponse> msgs = fetch();

    assertThat(msgs).hasSize(1);
    assertThat(msgs.get(0).getRemainingBytes()).isZero();
    assertThat(msgs.get(0).getBlob().toByteArray()).isEqualTo(Files.readAllBytes(file));
  }

  @Test
  void theFileIsReadOnlyAsFastAsTheClientTakesMessages() throws Exception {
    int data = 10 * CHUNK;
    Path file = snapshotFile(data);
    SnapshotOnlyMaintenance m = serve(file, Files.size(file));
    List<Long> readWhenReceived = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();

    MaintenanceGrpc.newStub(channel)
        .snapshot(
            SnapshotRequest.getDefaultInstance(),
            new ClientResponseObserver<SnapshotRequest, SnapshotResponse>() {
              private ClientCallStreamObserver<SnapshotRequest> call;

              @Override
              public void beforeStart(ClientCallStreamObserver<SnapshotRequest> call) {
                this.call = call;
                call.disableAutoRequestWithInitial(1);
              }

              @Override
              public void onNext(SnapshotResponse value) {
                readWhenReceived.add(m.bytesRead.get());
                call.request(1);
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });
    done.get(10, TimeUnit.SECONDS);

    assertThat(readWhenReceived).hasSize(11);
    for (int i = 0; i < 10; i++) {
      // Message i was taken before the server read a byte of message i + 1.
      assertThat(readWhenReceived.get(i)).isEqualTo((long) (i + 1) * CHUNK);
    }
    await().atMost(Duration.ofSeconds(5)).untilTrue(m.released);
  }

  @Test
  void aClientThatCancelsReleasesTheSnapshot() throws Exception {
    Path file = snapshotFile(10 * CHUNK);
    SnapshotOnlyMaintenance m = serve(file, Files.size(file));
    CompletableFuture<ClientCallStreamObserver<SnapshotRequest>> first = new CompletableFuture<>();

    MaintenanceGrpc.newStub(channel)
        .snapshot(
            SnapshotRequest.getDefaultInstance(),
            new ClientResponseObserver<SnapshotRequest, SnapshotResponse>() {
              private ClientCallStreamObserver<SnapshotRequest> call;

              @Override
              public void beforeStart(ClientCallStreamObserver<SnapshotRequest> call) {
                this.call = call;
                call.disableAutoRequestWithInitial(1);
              }

              @Override
              public void onNext(SnapshotResponse value) {
                first.complete(call);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    first.get(10, TimeUnit.SECONDS).cancel("enough", null);

    await().atMost(Duration.ofSeconds(5)).untilTrue(m.released);
    assertThat(m.bytesRead.get()).isLessThan(10L * CHUNK);
  }

  @Test
  void aSnapshotShorterThanItsSizeFailsTheStreamAndIsReleased() throws Exception {
    Path file = snapshotFile(CHUNK);
    SnapshotOnlyMaintenance m = serve(file, Files.size(file) + CHUNK);

    assertThatThrownBy(this::fetch)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
    await().atMost(Duration.ofSeconds(5)).untilTrue(m.released);
  }
}
