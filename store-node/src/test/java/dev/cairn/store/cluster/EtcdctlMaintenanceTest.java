package dev.cairn.store.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.Member;
import dev.cairn.proto.etcdserverpb.MemberAddResponse;
import dev.cairn.proto.etcdserverpb.MemberListResponse;
import dev.cairn.proto.etcdserverpb.StatusResponse;
import dev.cairn.store.testing.Etcdctl;
import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcdctl's maintenance and membership commands against three store-node processes. */
class EtcdctlMaintenanceTest {
  @TempDir static Path dir;
  static StoreCluster cluster;

  @BeforeAll
  static void start() {
    Etcdctl.assumeInstalled();
    cluster = StoreCluster.start(dir, 3);
    cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitPublished(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Etcdctl all() {
    return new Etcdctl(String.join(",", cluster.endpoints()));
  }

  /** Runs etcdctl and requires success; a failure shows what etcdctl printed. */
  private static Etcdctl.Result ok(Etcdctl etcdctl, String... args) {
    Etcdctl.Result r = etcdctl.run(args);
    assertThat(r.exitCode())
        .as(
            "etcdctl %s exited %d%nstdout: %s%nstderr: %s",
            String.join(" ", args), r.exitCode(), r.stdout(), r.stderr())
        .isZero();
    return r;
  }

  private static <T extends Message> T parse(JsonElement json, T.Builder builder) {
    try {
      JsonFormat.parser().ignoringUnknownFields().merge(json.toString(), builder);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError("unreadable etcdctl output: " + json, e);
    }
    @SuppressWarnings("unchecked")
    T built = (T) builder.build();
    return built;
  }

  /** Each endpoint's status, by endpoint, from {@code endpoint status --cluster -w json}. */
  private static Map<String, StatusResponse> statuses() {
    Etcdctl.Result r = ok(all(), "endpoint", "status", "--cluster", "-w", "json");
    Map<String, StatusResponse> out = new TreeMap<>();
    for (JsonElement e : JsonParser.parseString(r.stdout()).getAsJsonArray()) {
      out.put(
          e.getAsJsonObject().get("Endpoint").getAsString(),
          parse(e.getAsJsonObject().get("Status"), StatusResponse.newBuilder()));
    }
    return out;
  }

  private static MemberListResponse memberList() {
    Etcdctl.Result r = ok(all(), "member", "list", "-w", "json");
    return parse(JsonParser.parseString(r.stdout()), MemberListResponse.newBuilder());
  }

  private static String hex(long id) {
    return Long.toHexString(id);
  }

  @Test
  void endpointStatusOfTheClusterShowsOneLeaderAndEachMembersProgress() {
    Map<String, StatusResponse> s = statuses();

    assertThat(s.keySet()).containsExactlyInAnyOrderElementsOf(cluster.endpoints());
    List<Long> ids = s.values().stream().map(st -> st.getHeader().getMemberId()).toList();
    assertThat(ids).doesNotHaveDuplicates().doesNotContain(0L);
    long leader = s.values().iterator().next().getLeader();
    assertThat(ids).contains(leader);
    for (Map.Entry<String, StatusResponse> e : s.entrySet()) {
      StatusResponse st = e.getValue();
      assertThat(st.getLeader()).as(e.getKey()).isEqualTo(leader);
      assertThat(st.getVersion()).as(e.getKey()).isEqualTo("3.5.17");
      assertThat(st.getIsLearner()).as(e.getKey()).isFalse();
      assertThat(st.getRaftIndex()).as(e.getKey()).isPositive();
      assertThat(st.getRaftAppliedIndex()).as(e.getKey()).isPositive();
      assertThat(st.getRaftTerm()).as(e.getKey()).isPositive();
      assertThat(st.getDbSize()).as(e.getKey()).isPositive();
      assertThat(st.getHeader().getClusterId())
          .as(e.getKey())
          .isEqualTo(s.values().iterator().next().getHeader().getClusterId());
    }
  }

  @Test
  void hashKvIsTheSameOnEveryMemberAfterWrites() {
    Etcdctl etcdctl = all();
    for (int i = 0; i < 20; i++) {
      ok(etcdctl, "put", "hashkv/" + i, "value-" + i);
    }
    ok(etcdctl, "del", "hashkv/3");

    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              Etcdctl.Result r = ok(all(), "endpoint", "hashkv", "--cluster", "-w", "json");
              List<HashKVResponse> hashes = new ArrayList<>();
              for (JsonElement e : JsonParser.parseString(r.stdout()).getAsJsonArray()) {
                hashes.add(parse(e.getAsJsonObject().get("HashKV"), HashKVResponse.newBuilder()));
              }
              assertThat(hashes).as(r.stdout()).hasSize(3);
              assertThat(hashes.get(0).getHash()).as(r.stdout()).isNotZero();
              assertThat(hashes)
                  .as(r.stdout())
                  .extracting(HashKVResponse::getHash)
                  .containsOnly(hashes.get(0).getHash());
              assertThat(hashes)
                  .as(r.stdout())
                  .extracting(h -> h.getHeader().getRevision())
                  .containsOnly(hashes.get(0).getHeader().getRevision());
            });
  }

  @Test
  void alarmListIsEmpty() {
    Etcdctl.Result r = ok(all(), "alarm", "list");

    assertThat(r.stdout()).isBlank();
  }

  @Test
  void defragSucceedsOnEachEndpoint() {
    for (String endpoint : cluster.endpoints()) {
      Etcdctl.Result r = ok(new Etcdctl(endpoint), "defrag");
      assertThat(r.stdout()).contains("Finished defragmenting etcd member[" + endpoint + "]");
    }
  }

  @Test
  void moveLeaderHandsLeadershipToTheTarget() {
    Map<String, StatusResponse> before = statuses();
    long leader = before.values().iterator().next().getLeader();
    long target =
        before.values().stream()
            .mapToLong(s -> s.getHeader().getMemberId())
            .filter(id -> id != leader)
            .findFirst()
            .orElseThrow();

    Etcdctl.Result r = ok(all(), "move-leader", hex(target));

    assertThat(r.stdout())
        .contains("Leadership transferred from " + hex(leader) + " to " + hex(target));
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(statuses().values())
                    .extracting(StatusResponse::getLeader)
                    .containsOnly(target));
  }

  @Test
  void snapshotSaveWritesAFileEtcdctlAccepts() {
    Path file = dir.resolve("etcdctl-snapshot.db");

    Etcdctl.Result r =
        ok(new Etcdctl(cluster.member(0).endpoint()), "snapshot", "save", file.toString());

    assertThat(r.stdout() + r.stderr()).contains("Snapshot saved at " + file);
    assertThat(file).exists();
    assertThat(file.toFile().length()).isGreaterThan(32);
    assertThat(Files.exists(dir.resolve("etcdctl-snapshot.db.part"))).isFalse();
  }

  @Test
  void memberListShowsThreeNamedMembersWithTheirClientUrls() {
    MemberListResponse list = memberList();

    assertThat(list.getMembersList()).hasSize(3);
    for (int i = 0; i < cluster.size(); i++) {
      String name = cluster.name(i);
      Member m =
          list.getMembersList().stream()
              .filter(x -> x.getName().equals(name))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no member named " + name + ": " + list));
      assertThat(m.getClientURLsList()).containsExactly(cluster.member(i).endpoint());
      assertThat(m.getPeerURLsList()).containsExactly(cluster.member(i).peerUrl());
      assertThat(m.getIsLearner()).isFalse();
      assertThat(m.getID()).isNotZero();
    }
    assertThat(list.getMembersList())
        .extracting(Member::getID)
        .containsExactlyInAnyOrderElementsOf(
            statuses().values().stream().map(s -> s.getHeader().getMemberId()).toList());
  }

  @Test
  void aLearnerIsAddedAndThenRemoved() {
    String peerUrl = "http://127.0.0.1:" + Ports.free();

    Etcdctl.Result added =
        ok(
            all(),
            "member",
            "add",
            "learner-x",
            "--learner",
            "--peer-urls=" + peerUrl,
            "-w",
            "json");
    MemberAddResponse resp =
        parse(JsonParser.parseString(added.stdout()), MemberAddResponse.newBuilder());
    long id = resp.getMember().getID();
    assertThat(id).isNotZero();
    assertThat(resp.getMember().getIsLearner()).isTrue();
    assertThat(resp.getMember().getPeerURLsList()).containsExactly(peerUrl);
    assertThat(resp.getMembersList()).hasSize(4);

    Member learner =
        memberList().getMembersList().stream()
            .filter(m -> m.getID() == id)
            .findFirst()
            .orElseThrow();
    assertThat(learner.getIsLearner()).isTrue();
    assertThat(learner.getName()).isEmpty();
    assertThat(learner.getPeerURLsList()).containsExactly(peerUrl);
    assertThat(learner.getClientURLsList()).isEmpty();

    Etcdctl.Result removed = ok(all(), "member", "remove", hex(id));
    // etcdctl pads the id to 16 columns (%16x), so a short one follows more than one space.
    assertThat(removed.stdout()).containsPattern("Member\\s+" + hex(id) + " removed from cluster");
    assertThat(memberList().getMembersList())
        .extracting(Member::getID)
        .doesNotContain(id)
        .hasSize(3);
  }

  @Test
  void aVoterIsAddedThenRemovedBeforeItEverStarts() {
    String peerUrl = "http://127.0.0.1:" + Ports.free();

    // Four voters with three started still have a quorum, so etcd's strict check allows it.
    Etcdctl.Result added = ok(all(), "member", "add", "voter-x", "--peer-urls=" + peerUrl);
    assertThat(added.stdout())
        .containsPattern("Member\\s+[0-9a-f]+ added to cluster\\s+[0-9a-f]+")
        .contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\"")
        .contains("voter-x=" + peerUrl);
    Member voter =
        memberList().getMembersList().stream()
            .filter(m -> m.getPeerURLsList().contains(peerUrl))
            .findFirst()
            .orElseThrow();
    assertThat(voter.getIsLearner()).isFalse();
    assertThat(voter.getName()).as("not started, so not yet named").isEmpty();

    ok(all(), "member", "remove", hex(voter.getID()));
    assertThat(memberList().getMembersList())
        .extracting(Member::getID)
        .doesNotContain(voter.getID())
        .hasSize(3);
  }
}
