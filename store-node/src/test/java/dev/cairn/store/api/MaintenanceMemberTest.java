package dev.cairn.store.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.ClusterGrpc;
import dev.cairn.proto.etcdserverpb.DowngradeRequest;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.MaintenanceGrpc;
import dev.cairn.proto.etcdserverpb.MemberAddRequest;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.StatusRequest;
import dev.cairn.proto.etcdserverpb.StatusResponse;
import dev.cairn.store.testing.InProcessMember;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Maintenance and Cluster services as a real single member serves them. */
class MaintenanceMemberTest {
  @TempDir static Path dir;
  static InProcessMember member;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    member = new InProcessMember(dir);
    channel = member.channel();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    member.close();
  }

  private static StatusResponse status() {
    return MaintenanceGrpc.newBlockingStub(channel).status(StatusRequest.getDefaultInstance());
  }

  @Test
  void statusReportsVersionLeaderAndRaftProgress() {
    KVGrpc.newBlockingStub(channel)
        .put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("status-key"))
                .setValue(ByteString.copyFromUtf8("v"))
                .build());
    StatusResponse s = status();

    assertThat(s.getVersion()).isEqualTo("3.5.17");
    assertThat(s.getStorageVersion()).isEqualTo("3.6.0");
    assertThat(s.getHeader().getMemberId()).isEqualTo(member.server().memberId());
    assertThat(s.getHeader().getClusterId()).isEqualTo(member.server().clusterId());
    assertThat(s.getHeader().getRevision()).isGreaterThanOrEqualTo(2);
    assertThat(s.getLeader()).isEqualTo(s.getHeader().getMemberId());
    assertThat(s.getRaftTerm()).isPositive().isEqualTo(s.getHeader().getRaftTerm());
    assertThat(s.getRaftAppliedIndex()).isPositive();
    assertThat(s.getRaftIndex()).isGreaterThanOrEqualTo(s.getRaftAppliedIndex());
    assertThat(s.getIsLearner()).isFalse();
    assertThat(s.getDbSize()).isPositive();
    assertThat(s.getDbSizeQuota()).isEqualTo(2L * 1024 * 1024 * 1024);
    assertThat(s.hasDowngradeInfo()).isTrue();
    assertThat(s.getDowngradeInfo().getEnabled()).isFalse();
    assertThat(s.getErrorsList()).isEmpty();
  }

  @Test
  void theRaftIndexGrowsWithEachWrite() {
    long before = status().getRaftIndex();
    KVGrpc.newBlockingStub(channel)
        .put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("index-key"))
                .setValue(ByteString.copyFromUtf8("v"))
                .build());
    StatusResponse after = status();

    assertThat(after.getRaftIndex()).isGreaterThan(before);
    assertThat(after.getRaftAppliedIndex()).isGreaterThan(before);
  }

  @Test
  void jetcdReadsTheStatus() throws Exception {
    try (Client c = Client.builder().endpoints(member.endpoint()).build()) {
      var s = c.getMaintenanceClient().statusMember(member.endpoint()).get(10, TimeUnit.SECONDS);
      assertThat(s.getVersion()).isEqualTo("3.5.17");
      assertThat(s.getLeader()).isEqualTo(member.server().memberId());
      assertThat(s.getRaftIndex()).isPositive();
    }
  }

  @Test
  void aVoterServesLinearizableReads() {
    assertThat(
            KVGrpc.newBlockingStub(channel)
                .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("x")).build())
                .getCount())
        .isZero();
  }

  @Test
  void downgradeIsRefusedAsNotCapable() {
    for (DowngradeRequest.DowngradeAction action :
        new DowngradeRequest.DowngradeAction[] {
          DowngradeRequest.DowngradeAction.VALIDATE,
          DowngradeRequest.DowngradeAction.ENABLE,
          DowngradeRequest.DowngradeAction.CANCEL
        }) {
      assertThatThrownBy(
              () ->
                  MaintenanceGrpc.newBlockingStub(channel)
                      .downgrade(
                          DowngradeRequest.newBuilder()
                              .setAction(action)
                              .setVersion("3.5")
                              .build()))
          .as(action.name())
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: not capable");
              });
    }
  }

  @Test
  void aMemberAddWithBadPeerUrlsIsRefused() {
    assertThatThrownBy(
            () ->
                ClusterGrpc.newBlockingStub(channel)
                    .memberAdd(
                        MemberAddRequest.newBuilder()
                            .addPeerURLs("127.0.0.1:2390")
                            .setIsLearner(true)
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("etcdserver: given member URLs are invalid");
            });
  }
}
