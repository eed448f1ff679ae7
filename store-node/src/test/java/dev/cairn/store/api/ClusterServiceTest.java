package dev.cairn.store.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.proto.etcdserverpb.ClusterGrpc;
import dev.cairn.proto.etcdserverpb.Member;
import dev.cairn.proto.etcdserverpb.MemberAddRequest;
import dev.cairn.proto.etcdserverpb.MemberAddResponse;
import dev.cairn.proto.etcdserverpb.MemberListRequest;
import dev.cairn.proto.etcdserverpb.MemberListResponse;
import dev.cairn.proto.etcdserverpb.MemberPromoteRequest;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MemberRemoveRequest;
import dev.cairn.proto.etcdserverpb.MemberRemoveResponse;
import dev.cairn.proto.etcdserverpb.MemberUpdateRequest;
import dev.cairn.proto.etcdserverpb.MemberUpdateResponse;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.store.server.RaftCluster;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Cluster service's own part: URL checks, the header, and the errors it passes on. */
class ClusterServiceTest {
  private static final String BAD_URLS = "etcdserver: given member URLs are invalid";

  private final List<Object> calls = new ArrayList<>();
  private Server server;
  private ManagedChannel channel;
  private ClusterGrpc.ClusterBlockingStub stub;

  /** Records each call; adds answer one member, removes fail as for an unknown id. */
  private final class RecordingCluster implements RaftCluster {
    @Override
    public CompletableFuture<MemberListResponse> memberList(MemberListRequest r) {
      calls.add(r);
      return CompletableFuture.completedFuture(
          MemberListResponse.newBuilder().addMembers(Member.newBuilder().setID(1)).build());
    }

    @Override
    public CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest r) {
      calls.add(r);
      return CompletableFuture.completedFuture(
          MemberAddResponse.newBuilder()
              .setMember(Member.newBuilder().setID(2).addAllPeerURLs(r.getPeerURLsList()))
              .build());
    }

    @Override
    public CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest r) {
      calls.add(r);
      return CompletableFuture.failedFuture(new StoreException(StoreError.MEMBER_NOT_FOUND));
    }

    @Override
    public CompletableFuture<MemberUpdateResponse> memberUpdate(MemberUpdateRequest r) {
      calls.add(r);
      return CompletableFuture.completedFuture(MemberUpdateResponse.getDefaultInstance());
    }

    @Override
    public CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest r) {
      calls.add(r);
      throw new StoreException(StoreError.MEMBER_NOT_LEARNER);
    }
  }

  @BeforeEach
  void start() throws Exception {
    String name = "cluster-" + System.nanoTime();
    server =
        InProcessServerBuilder.forName(name)
            .addService(new ClusterService(new RecordingCluster(), new Headers(new FakeMember())))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
    stub = ClusterGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private static void assertStatus(ThrowingCallable call, Status.Code code, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).isEqualTo(message);
            });
  }

  private static MemberAddRequest add(String... urls) {
    return MemberAddRequest.newBuilder().addAllPeerURLs(List.of(urls)).build();
  }

  @Test
  void peerUrlsAreCheckedAsEtcdChecksThem() {
    for (String ok :
        List.of(
            "http://127.0.0.1:2380",
            "https://node-1.example:2380",
            " http://10.0.0.1:2380 ",
            "http://[::1]:2380",
            "http://127.0.0.1:2380?x=y",
            "unix://some/socket",
            "unixs:///var/run/peer")) {
      RequestChecks.checkPeerUrls(List.of(ok));
    }
    for (String bad :
        List.of(
            "",
            "127.0.0.1:2380",
            "http://127.0.0.1",
            "http://127.0.0.1:2380/",
            "http://127.0.0.1:2380/peer",
            "ftp://127.0.0.1:2380",
            "http://::1:2380",
            "http:127.0.0.1:2380",
            "http://127.0.0.1:23 80")) {
      assertThatThrownBy(() -> RequestChecks.checkPeerUrls(List.of(bad)))
          .as(bad)
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> assertThat(e.error()).isEqualTo(StoreError.BAD_MEMBER_URLS));
    }
    assertThatThrownBy(() -> RequestChecks.checkPeerUrls(List.of()))
        .isInstanceOf(StoreException.class);
  }

  @Test
  void anAddWithBadUrlsIsRefusedBeforeTheMemberSeesIt() {
    assertStatus(
        () -> stub.memberAdd(add("http://127.0.0.1:2380", "http://127.0.0.1")),
        Status.Code.INVALID_ARGUMENT,
        BAD_URLS);
    assertStatus(() -> stub.memberAdd(add()), Status.Code.INVALID_ARGUMENT, BAD_URLS);
    assertStatus(
        () ->
            stub.memberUpdate(
                MemberUpdateRequest.newBuilder().setID(1).addPeerURLs("localhost").build()),
        Status.Code.INVALID_ARGUMENT,
        BAD_URLS);
    assertThat(calls).isEmpty();
  }

  @Test
  void answersCarryEtcdsClusterHeaderWithoutRevision() {
    ResponseHeader expected =
        ResponseHeader.newBuilder()
            .setClusterId(0xcdf818194e3a8c32L)
            .setMemberId(0x8e9e05c52164694dL)
            .setRaftTerm(3)
            .build();

    MemberAddResponse added = stub.memberAdd(add("http://127.0.0.1:2380"));
    MemberListResponse list = stub.memberList(MemberListRequest.getDefaultInstance());

    assertThat(added.getHeader()).isEqualTo(expected);
    assertThat(added.getMember().getPeerURLsList()).containsExactly("http://127.0.0.1:2380");
    assertThat(list.getHeader()).isEqualTo(expected);
    assertThat(list.getMembersList()).extracting(Member::getID).containsExactly(1L);
    assertThat(calls).hasSize(2);
  }

  @Test
  void failuresBecomeEtcdsErrorsWhetherThrownOrInTheFuture() {
    assertStatus(
        () -> stub.memberRemove(MemberRemoveRequest.newBuilder().setID(9).build()),
        Status.Code.NOT_FOUND,
        "etcdserver: member not found");
    assertStatus(
        () -> stub.memberPromote(MemberPromoteRequest.newBuilder().setID(9).build()),
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: can only promote a learner member");
  }
}
