package dev.cairn.store.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.testing.Etcdctl;
import dev.cairn.store.testing.StoreCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.AlarmType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --quota-backend-bytes: past the quota, writes are refused with etcd's error and the NOSPACE alarm
 * is raised on every member; reads go on; compaction, defragmentation and disarming the alarm let
 * writes resume, as etcd's documented recovery goes.
 */
class QuotaTest {
  private static final String NO_SPACE = "etcdserver: mvcc: database space exceeded";

  @TempDir Path dir;

  @Test
  void fillTheQuotaThenRecoverByCompactDefragAndDisarm() throws Exception {
    Etcdctl.assumeInstalled();
    try (StoreCluster cluster =
        StoreCluster.start(dir, 3, "--quota-backend-bytes=" + (24L << 20))) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      try (Client client =
          Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build()) {
        KV kv = client.getKVClient();
        ByteSequence key = bytes("big");
        ByteSequence value = ByteSequence.from(new byte[64 * 1024]);
        Throwable refused = null;
        for (int i = 0; i < 2000 && refused == null; i++) {
          try {
            kv.put(key, value).get(10, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            refused = e.getCause();
          }
        }
        assertThat(refused).as("a write past the quota").isNotNull();
        assertThat(refused.getMessage()).contains(NO_SPACE);

        // The member that refused the write raises the alarm through the log; each member lists
        // it once applied.
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(
                            client
                                .getMaintenanceClient()
                                .listAlarms()
                                .get(10, TimeUnit.SECONDS)
                                .getAlarms())
                        .extracting(AlarmMember::getAlarmType)
                        .contains(AlarmType.NOSPACE));
        // Writes stay refused while the alarm is raised, wherever they go; reads are served.
        assertThatThrownBy(() -> kv.put(bytes("small"), bytes("x")).get(10, TimeUnit.SECONDS))
            .hasMessageContaining(NO_SPACE);
        long rev = kv.get(key).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        assertThat(kv.get(key).get(10, TimeUnit.SECONDS).getKvs()).hasSize(1);

        kv.compact(rev).get(10, TimeUnit.SECONDS);
        for (String ep : cluster.endpoints()) {
          client.getMaintenanceClient().defragmentMember(ep).get(60, TimeUnit.SECONDS);
        }
        // etcdctl lists the alarm and disarms every alarm it lists: each member that saw its own
        // size past the quota raised its own.
        Etcdctl etcdctl = new Etcdctl(String.join(",", cluster.endpoints()));
        Etcdctl.Result listed = etcdctl.run("alarm", "list");
        assertThat(listed.exitCode()).as(listed.stderr()).isZero();
        assertThat(listed.stdout()).containsPattern("memberID:\\d+ alarm:NOSPACE");
        Etcdctl.Result disarmed = etcdctl.run("alarm", "disarm");
        assertThat(disarmed.exitCode()).as(disarmed.stderr()).isZero();
        assertThat(disarmed.stdout()).contains("alarm:NOSPACE");
        assertThat(client.getMaintenanceClient().listAlarms().get(10, TimeUnit.SECONDS).getAlarms())
            .isEmpty();
        kv.put(bytes("after"), bytes("recovery")).get(10, TimeUnit.SECONDS);
        assertThat(kv.get(bytes("after")).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue())
            .isEqualTo(bytes("recovery"));
      }
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
