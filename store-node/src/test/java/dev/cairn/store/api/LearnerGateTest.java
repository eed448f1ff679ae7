package dev.cairn.store.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.ClusterGrpc;
import dev.cairn.proto.etcdserverpb.DefragmentRequest;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.LeaseGrpc;
import dev.cairn.proto.etcdserverpb.MaintenanceGrpc;
import dev.cairn.proto.etcdserverpb.MemberListRequest;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.PutResponse;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.etcdserverpb.SnapshotRequest;
import dev.cairn.proto.etcdserverpb.StatusRequest;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.WatchGrpc;
import dev.cairn.proto.etcdserverpb.WatchRequest;
import dev.cairn.proto.etcdserverpb.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's learner restriction: what a learner serves, and the refusal of everything else. */
class LearnerGateTest {
  private static final String REFUSAL = "etcdserver: rpc not supported for learner";

  @TempDir Path dir;
  private final FakeMember member = new FakeMember();
  private Server server;
  private ManagedChannel channel;

  /** Answers Range and Put with empty responses, whatever they ask. */
  private static final class AnyKv extends KVGrpc.KVImplBase {
    @Override
    public void range(RangeRequest r, StreamObserver<RangeResponse> out) {
      out.onNext(RangeResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void put(PutRequest r, StreamObserver<PutResponse> out) {
      out.onNext(PutResponse.getDefaultInstance());
      out.onCompleted();
    }
  }

  /** Accepts watch streams and answers each request with an empty response. */
  private static final class AnyWatch extends WatchGrpc.WatchImplBase {
    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(WatchRequest value) {
          out.onNext(WatchResponse.getDefaultInstance());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }

  @BeforeEach
  void start() throws Exception {
    Path snap = dir.resolve("snap");
    Files.write(snap, new byte[32]);
    String name = "learner-" + System.nanoTime();
    server =
        InProcessServerBuilder.forName(name)
            .intercept(new LearnerGate(member))
            .addService(new AnyKv())
            .addService(new AnyWatch())
            .addService(
                new MaintenanceService(
                    new SnapshotOnlyMaintenance(snap, 32), new Headers(member), "3.5.17"))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private static RangeRequest range(boolean serializable) {
    return RangeRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("k"))
        .setSerializable(serializable)
        .build();
  }

  private static void assertRefused(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).isEqualTo(REFUSAL);
            });
  }

  @Test
  void etcdsListOfWhatALearnerServes() {
    MethodDescriptor<?, ?> range = KVGrpc.getRangeMethod();
    assertThat(LearnerGate.allowedOnLearner(range, range(true))).isTrue();
    assertThat(LearnerGate.allowedOnLearner(range, range(false))).isFalse();
    assertThat(
            LearnerGate.allowedOnLearner(
                MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance()))
        .isTrue();
    assertThat(
            LearnerGate.allowedOnLearner(
                MaintenanceGrpc.getSnapshotMethod(), SnapshotRequest.getDefaultInstance()))
        .isTrue();
    // A read-only, serializable Txn is still refused, as etcd refuses it.
    assertThat(
            LearnerGate.allowedOnLearner(
                KVGrpc.getTxnMethod(),
                TxnRequest.newBuilder()
                    .addSuccess(
                        dev.cairn.proto.etcdserverpb.RequestOp.newBuilder()
                            .setRequestRange(range(true)))
                    .build()))
        .isFalse();
    assertThat(
            LearnerGate.allowedOnLearner(
                ClusterGrpc.getMemberListMethod(), MemberListRequest.getDefaultInstance()))
        .isFalse();
    assertThat(
            LearnerGate.allowedOnLearner(
                MaintenanceGrpc.getDefragmentMethod(), DefragmentRequest.getDefaultInstance()))
        .isFalse();
    assertThat(LearnerGate.allowedOnLearner(WatchGrpc.getWatchMethod(), null)).isFalse();
    assertThat(LearnerGate.allowedOnLearner(LeaseGrpc.getLeaseKeepAliveMethod(), null)).isFalse();
  }

  @Test
  void aLearnerServesSerializableRangesStatusAndSnapshotsOnly() {
    member.learner = true;
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
    MaintenanceGrpc.MaintenanceBlockingStub maintenance = MaintenanceGrpc.newBlockingStub(channel);

    assertThat(kv.range(range(true))).isEqualTo(RangeResponse.getDefaultInstance());
    assertThat(maintenance.status(StatusRequest.getDefaultInstance()).getVersion())
        .isEqualTo("3.5.17");
    assertThat(maintenance.snapshot(SnapshotRequest.getDefaultInstance()).next().getBlob().size())
        .isEqualTo(32);

    assertRefused(() -> kv.range(range(false)));
    assertRefused(() -> kv.put(PutRequest.newBuilder().setKey(range(false).getKey()).build()));
    assertRefused(() -> maintenance.defragment(DefragmentRequest.getDefaultInstance()));
  }

  @Test
  void aLearnerRefusesStreamsOtherThanSnapshot() throws Exception {
    member.learner = true;
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    StreamObserver<WatchRequest> requests =
        WatchGrpc.newStub(channel)
            .watch(
                new StreamObserver<>() {
                  @Override
                  public void onNext(WatchResponse value) {
                    failed.completeExceptionally(new AssertionError("a learner answered a watch"));
                  }

                  @Override
                  public void onError(Throwable t) {
                    failed.complete(t);
                  }

                  @Override
                  public void onCompleted() {
                    failed.completeExceptionally(new AssertionError("the watch completed"));
                  }
                });
    requests.onNext(WatchRequest.getDefaultInstance());

    Status s = Status.fromThrowable(failed.get(10, TimeUnit.SECONDS));
    assertThat(s.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(s.getDescription()).isEqualTo(REFUSAL);
  }

  @Test
  void aVoterServesEverything() {
    member.learner = false;
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);

    assertThat(kv.range(range(false))).isEqualTo(RangeResponse.getDefaultInstance());
    assertThat(kv.put(PutRequest.newBuilder().setKey(range(false).getKey()).build()))
        .isEqualTo(PutResponse.getDefaultInstance());
    assertThat(
            MaintenanceGrpc.newBlockingStub(channel)
                .defragment(DefragmentRequest.getDefaultInstance()))
        .isNotNull();
  }
}
