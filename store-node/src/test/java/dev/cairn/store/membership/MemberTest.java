package dev.cairn.store.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemberTest {
  @Test
  void aBootstrapMemberHasNoClientUrlsAndIsAVoter() {
    Member m = Member.bootstrap("default", List.of("http://localhost:2380"), "etcd-cluster");
    assertThat(m.idHex()).isEqualTo("8e9e05c52164694d");
    assertThat(m.clientUrls()).isEmpty();
    assertThat(m.isLearner()).isFalse();
    assertThat(m.isStarted()).isTrue();
  }

  @Test
  void anAddedMemberHasNoNameUntilItPublishesOne() {
    // The id etcd gave 'member add m4 --peer-urls=http://127.0.0.1:42410' (see MemberIdsTest).
    Member m =
        Member.added(List.of("http://127.0.0.1:42410"), true, Instant.ofEpochSecond(1795325688L));
    assertThat(m.id()).isEqualTo(0x80c2ad913d064b77L);
    assertThat(m.isStarted()).isFalse();
    assertThat(m.isLearner()).isTrue();
    Member started = m.withAttributes("m4", List.of("http://127.0.0.1:42409"));
    assertThat(started.isStarted()).isTrue();
    assertThat(started.id()).isEqualTo(m.id());
    assertThat(started.clientUrls()).containsExactly("http://127.0.0.1:42409");
  }

  @Test
  void theProtoEncodingRoundTrips() {
    Member voter =
        new Member(
            0x8e9e05c52164694dL,
            "default",
            List.of("http://127.0.0.1:2380", "http://127.0.0.1:2381"),
            List.of("http://127.0.0.1:2379"),
            false);
    Member learner = new Member(1, "", List.of("http://127.0.0.1:2390"), List.of(), true);
    for (Member m : List.of(voter, learner)) {
      assertThat(Member.fromProto(m.toProto())).isEqualTo(m);
    }
    dev.cairn.proto.internal.Member p = voter.toProto();
    assertThat(p.getId()).isEqualTo(0x8e9e05c52164694dL);
    assertThat(p.getPeerUrlsList())
        .containsExactly("http://127.0.0.1:2380", "http://127.0.0.1:2381");
    assertThat(learner.toProto().getIsLearner()).isTrue();
  }

  @Test
  void theProtoEncodingIsEtcdsMemberMessage() throws Exception {
    Member m =
        new Member(
            0xd8643cde3241db53L,
            "m2",
            List.of("http://127.0.0.1:42390"),
            List.of("http://127.0.0.1:42389"),
            true);
    dev.cairn.proto.etcdserverpb.Member etcd =
        dev.cairn.proto.etcdserverpb.Member.parseFrom(m.toProto().toByteArray());
    assertThat(etcd.getID()).isEqualTo(m.id());
    assertThat(etcd.getName()).isEqualTo("m2");
    assertThat(etcd.getPeerURLsList()).isEqualTo(m.peerUrls());
    assertThat(etcd.getClientURLsList()).isEqualTo(m.clientUrls());
    assertThat(etcd.getIsLearner()).isTrue();
  }

  @Test
  void aMemberNeedsAnIdAndPeerUrls() {
    assertThatThrownBy(
            () ->
                Member.fromProto(
                    dev.cairn.proto.internal.Member.newBuilder().addPeerUrls("http://x:1").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot use 0 as member id");
    assertThatThrownBy(
            () -> Member.fromProto(dev.cairn.proto.internal.Member.newBuilder().setId(26).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("member 1a has no peer URLs");
  }
}
