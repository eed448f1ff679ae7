package dev.cairn.store.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.storage.WriteTx;
import dev.cairn.store.testing.StoreCluster;
import dev.cairn.store.testing.StoreNodeProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The periodic corruption check: a follower whose key space was changed behind Raft's back has a
 * different HashKV from the leader's at the same revision; the leader raises the CORRUPT alarm for
 * it, which every member reports in its status, and writes are refused as etcd refuses them.
 */
class CorruptionCheckTest {
  @TempDir Path dir;

  @Test
  void aMemberWhoseKeySpaceDiffersGetsTheCorruptAlarm() throws Exception {
    try (StoreCluster cluster = StoreCluster.start(dir, 3, "--corrupt-check-time=500ms")) {
      int leader = cluster.awaitLeader(Duration.ofSeconds(30));
      try (Client client =
          Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build()) {
        for (int i = 0; i < 50; i++) {
          client
              .getKVClient()
              .put(bytes("key-" + i), bytes("value-" + i))
              .get(10, TimeUnit.SECONDS);
        }
        assertThat(client.getMaintenanceClient().listAlarms().get(10, TimeUnit.SECONDS).getAlarms())
            .isEmpty();

        StoreNodeProcess victim = cluster.member((leader + 1) % 3);
        long victimId =
            client
                .getMaintenanceClient()
                .statusMember(victim.endpoint())
                .get(10, TimeUnit.SECONDS)
                .getHeader()
                .getMemberId();
        victim.stop();
        rewriteNewestValue(victim.dataDir().resolve("member").resolve("mvcc"));
        victim.restart();

        // jetcd knows no CORRUPT alarm type: ask with etcd's own messages.
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .ignoreExceptions()
            .untilAsserted(
                () ->
                    assertThat(
                            maintenance(cluster.member(leader)).alarm(listAlarms()).getAlarmsList())
                        .contains(
                            dev.cairn.proto.etcdserverpb.AlarmMember.newBuilder()
                                .setMemberID(victimId)
                                .setAlarm(dev.cairn.proto.etcdserverpb.AlarmType.CORRUPT)
                                .build()));
        for (int i = 0; i < cluster.size(); i++) {
          StoreNodeProcess member = cluster.member(i);
          await()
              .atMost(Duration.ofSeconds(10))
              .ignoreExceptions()
              .untilAsserted(
                  () ->
                      assertThat(
                              maintenance(member)
                                  .status(
                                      dev.cairn.proto.etcdserverpb.StatusRequest
                                          .getDefaultInstance())
                                  .getErrorsList())
                          .anyMatch(e -> e.contains("alarm:CORRUPT")));
        }
        assertThatThrownBy(
                () -> client.getKVClient().put(bytes("more"), bytes("x")).get(10, TimeUnit.SECONDS))
            .hasMessageContaining("etcdserver: corrupt cluster");
      }
    }
  }

  /**
   * Changes the value of the newest revision in a stopped member's key space, as a bad disk might.
   */
  private static void rewriteNewestValue(Path mvccDir) throws Exception {
    try (Backend b = Backend.open(mvccDir, BackendConfig.mvcc(), Schema.MVCC_TABLES);
        WriteTx tx = b.beginWrite()) {
      byte[][] newest = new byte[2][];
      tx.scanBackwards(
          Schema.KEY,
          (k, v) -> {
            newest[0] = k;
            newest[1] = v;
            return false;
          });
      KeyValue kv = KeyValue.parseFrom(newest[1]);
      tx.put(
          Schema.KEY,
          newest[0],
          kv.toBuilder().setValue(ByteString.copyFromUtf8("flipped")).build().toByteArray());
      tx.commit();
    }
  }

  private static dev.cairn.proto.etcdserverpb.AlarmRequest listAlarms() {
    return dev.cairn.proto.etcdserverpb.AlarmRequest.newBuilder()
        .setAction(dev.cairn.proto.etcdserverpb.AlarmRequest.AlarmAction.GET)
        .build();
  }

  /** A blocking Maintenance stub on the member's client port; its channel lives for the test. */
  private static dev.cairn.proto.etcdserverpb.MaintenanceGrpc.MaintenanceBlockingStub maintenance(
      StoreNodeProcess member) {
    io.grpc.ManagedChannel ch =
        io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", member.clientPort())
            .usePlaintext()
            .build();
    CHANNELS.add(ch);
    return dev.cairn.proto.etcdserverpb.MaintenanceGrpc.newBlockingStub(ch)
        .withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  private static final java.util.List<io.grpc.ManagedChannel> CHANNELS =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  @org.junit.jupiter.api.AfterAll
  static void closeChannels() {
    CHANNELS.forEach(io.grpc.ManagedChannel::shutdownNow);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
