package dev.cairn.store.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.Member;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import dev.cairn.store.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClusterCallsTest {
  private static final long OTHER_CLUSTER = 0xdeadbeefL;
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private static final List<dev.cairn.store.membership.Member> MEMBERS =
      List.of(
          new dev.cairn.store.membership.Member(
              0x8e9e05c52164694dL,
              "infra1",
              List.of("http://10.0.0.1:2380"),
              List.of("http://10.0.0.1:2379"),
              false),
          new dev.cairn.store.membership.Member(
              0x2d0e1a1b7d3c5f01L, "", List.of("http://10.0.0.2:2380"), List.of(), true));

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(15, TimeUnit.SECONDS);
  }

  private static Throwable failureOf(CompletableFuture<?> f) {
    try {
      f.get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void promoteHashKvAndMoveLeaderReachTheAuthorityAndAnswer() throws Exception {
    try (TestMember a = TestMember.started(1);
        TestMember b = TestMember.started(2)) {
      a.knows(b);
      MemberPromoteResponse promoted =
          MemberPromoteResponse.newBuilder()
              .setHeader(ResponseHeader.newBuilder().setMemberId(2).setRaftTerm(7))
              .addMembers(Member.newBuilder().setID(9).setName("nine"))
              .build();
      HashKVResponse hash =
          HashKVResponse.newBuilder()
              .setHash(0xcafe)
              .setCompactRevision(3)
              .setHashRevision(40)
              .build();
      MoveLeaderResponse moved =
          MoveLeaderResponse.newBuilder()
              .setHeader(ResponseHeader.newBuilder().setRaftTerm(8))
              .build();
      b.cluster.promote = id -> CompletableFuture.completedFuture(promoted);
      b.cluster.hashKv = r -> CompletableFuture.completedFuture(hash);
      b.cluster.moveLeader = r -> CompletableFuture.supplyAsync(() -> moved);
      HashKVRequest hashAt = HashKVRequest.newBuilder().setRevision(40).build();
      MoveLeaderRequest toThree = MoveLeaderRequest.newBuilder().setTargetID(3).build();

      assertThat(get(a.transport.promote(2, 9))).isEqualTo(promoted);
      assertThat(get(a.transport.hashKv(2, hashAt))).isEqualTo(hash);
      assertThat(get(a.transport.moveLeader(2, toThree))).isEqualTo(moved);
      assertThat(b.cluster.asked).containsExactly(9L, hashAt, toThree);
    }
  }

  @Test
  void aStoreExceptionCrossesIntact() throws Exception {
    try (TestMember a = TestMember.started(1);
        TestMember b = TestMember.started(2)) {
      a.knows(b);
      b.cluster.promote =
          id -> CompletableFuture.failedFuture(new StoreException(StoreError.MEMBER_NOT_LEARNER));
      b.cluster.hashKv =
          r -> {
            throw new StoreException(StoreError.COMPACTED);
          };
      b.cluster.moveLeader =
          r ->
              CompletableFuture.supplyAsync(
                  () -> {
                    throw new StoreException(StoreError.BAD_LEADER_TRANSFEREE);
                  });

      assertThat(failureOf(a.transport.promote(2, 9)))
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> assertThat(e.error()).isEqualTo(StoreError.MEMBER_NOT_LEARNER));
      assertThat(failureOf(a.transport.hashKv(2, HashKVRequest.getDefaultInstance())))
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.error()).isEqualTo(StoreError.COMPACTED));
      assertThat(failureOf(a.transport.moveLeader(2, MoveLeaderRequest.getDefaultInstance())))
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> assertThat(e.error()).isEqualTo(StoreError.BAD_LEADER_TRANSFEREE));
    }
  }

  @Test
  void otherFailuresNameThePeerAndTheCall() throws Exception {
    try (TestMember a = TestMember.started(1);
        TestMember b = TestMember.started(2)) {
      a.knows(b);
      b.cluster.promote =
          id -> CompletableFuture.failedFuture(new RuntimeException("disk on fire"));
      a.transport.addPeer(3, List.of(URI.create("http://127.0.0.1:" + Ports.free())));

      assertThat(failureOf(a.transport.promote(2, 9)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("peer 2 failed Promote: INTERNAL")
          .hasMessageContaining("disk on fire");
      assertThat(failureOf(a.transport.hashKv(3, HashKVRequest.getDefaultInstance())))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("peer 3 failed HashKV: UNAVAILABLE");
      assertThat(failureOf(a.transport.promote(4, 9)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("unknown peer 4");
    }
  }

  @Test
  void callsFromAnotherClusterAreRefused() {
    try (TestMember a = TestMember.started(1, OTHER_CLUSTER, PeerOptions.defaults());
        TestMember b = TestMember.started(2)) {
      a.knows(b);

      assertThat(failureOf(a.transport.promote(2, 9)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cluster ID mismatch");
      assertThat(b.cluster.asked).isEmpty();
    }
  }

  @Test
  void fetchMembersNeedsNoIdsAndSkipsADeadUrl() throws Exception {
    try (TestMember b = TestMember.started(2)) {
      b.cluster.members = MEMBERS;
      URI dead = URI.create("http://127.0.0.1:" + Ports.free());

      ClusterMembers got = PeerTransport.fetchMembers(List.of(dead, b.url()), TIMEOUT);

      assertThat(got.clusterId()).isEqualTo(TestMember.CLUSTER);
      assertThat(got.members()).isEqualTo(MEMBERS);
    }
  }

  @Test
  void fetchMembersNamesEveryUrlTriedWhenNoneAnswers() {
    URI dead1 = URI.create("http://127.0.0.1:" + Ports.free());
    URI dead2 = URI.create("http://127.0.0.1:" + Ports.free());

    assertThatThrownBy(() -> PeerTransport.fetchMembers(List.of(dead1, dead2), TIMEOUT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dead1.toString())
        .hasMessageContaining(dead2.toString());
  }
}
