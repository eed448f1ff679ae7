package dev.cairn.store.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreCluster;
import dev.cairn.store.testing.StoreNodeProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics: etcd's names and types, in a valid exposition, with values that follow the load. */
class MetricsTest {
  /** The metrics etcd's dashboards and alerts use most, with their etcd types. */
  private static final Map<String, String> ETCD_METRICS = new LinkedHashMap<>();

  static {
    ETCD_METRICS.put("etcd_server_has_leader", "gauge");
    ETCD_METRICS.put("etcd_server_is_leader", "gauge");
    ETCD_METRICS.put("etcd_server_is_learner", "gauge");
    ETCD_METRICS.put("etcd_server_leader_changes_seen_total", "counter");
    ETCD_METRICS.put("etcd_server_proposals_committed_total", "gauge");
    ETCD_METRICS.put("etcd_server_proposals_applied_total", "gauge");
    ETCD_METRICS.put("etcd_server_proposals_pending", "gauge");
    ETCD_METRICS.put("etcd_server_proposals_failed_total", "counter");
    ETCD_METRICS.put("etcd_server_slow_apply_total", "counter");
    ETCD_METRICS.put("etcd_server_quota_backend_bytes", "gauge");
    ETCD_METRICS.put("etcd_server_version", "gauge");
    ETCD_METRICS.put("etcd_cluster_version", "gauge");
    ETCD_METRICS.put("etcd_server_id", "gauge");
    ETCD_METRICS.put("etcd_server_health_success", "counter");
    ETCD_METRICS.put("etcd_server_health_failures", "counter");
    ETCD_METRICS.put("etcd_disk_wal_fsync_duration_seconds", "histogram");
    ETCD_METRICS.put("etcd_disk_backend_commit_duration_seconds", "histogram");
    ETCD_METRICS.put("etcd_mvcc_db_total_size_in_bytes", "gauge");
    ETCD_METRICS.put("etcd_mvcc_db_total_size_in_use_in_bytes", "gauge");
    ETCD_METRICS.put("etcd_debugging_mvcc_current_revision", "gauge");
    ETCD_METRICS.put("etcd_debugging_mvcc_watcher_total", "gauge");
    ETCD_METRICS.put("etcd_debugging_lease_granted_total", "counter");
    ETCD_METRICS.put("etcd_debugging_lease_revoked_total", "counter");
    ETCD_METRICS.put("etcd_debugging_lease_renewed_total", "counter");
    ETCD_METRICS.put("grpc_server_started_total", "counter");
    ETCD_METRICS.put("grpc_server_handled_total", "counter");
    ETCD_METRICS.put("grpc_server_msg_received_total", "counter");
    ETCD_METRICS.put("grpc_server_msg_sent_total", "counter");
  }

  @TempDir Path dir;

  @Test
  void etcdsMetricsAreThereWithTheirTypesAndMoveUnderLoad() throws Exception {
    String metricsUrl = "http://127.0.0.1:" + Ports.free();
    try (StoreNodeProcess member =
            StoreNodeProcess.start(dir.resolve("m"), "--listen-metrics-urls=" + metricsUrl);
        Client client = Client.builder().endpoints(member.endpoint()).build()) {
      client.getKVClient().put(bytes("warm"), bytes("up")).get(10, TimeUnit.SECONDS);
      Map<String, PrometheusText.Family> before = scrape(metricsUrl);
      ETCD_METRICS.forEach(
          (name, type) ->
              assertThat(before.get(name))
                  .as(name)
                  .isNotNull()
                  .extracting(PrometheusText.Family::type)
                  .isEqualTo(type));
      assertThat(before.get("etcd_server_has_leader").value()).isEqualTo(1);
      assertThat(before).containsKey("jvm_memory_used_bytes").containsKey("jvm_threads_current");
      // Every method's series exist before its first call, as go-grpc-prometheus makes them.
      assertThat(
              before
                  .get("grpc_server_handled_total")
                  .value(
                      "grpc_type", "unary",
                      "grpc_service", "etcdserverpb.KV",
                      "grpc_method", "Compact",
                      "grpc_code", "OK"))
          .isZero();

      int puts = 50;
      for (int i = 0; i < puts; i++) {
        client.getKVClient().put(bytes("k" + i), bytes("v")).get(10, TimeUnit.SECONDS);
      }
      Map<String, PrometheusText.Family> after = scrape(metricsUrl);
      assertThat(delta(before, after, "etcd_server_proposals_committed_total", ""))
          .isGreaterThanOrEqualTo(puts);
      assertThat(delta(before, after, "etcd_server_proposals_applied_total", ""))
          .isGreaterThanOrEqualTo(puts);
      assertThat(delta(before, after, "etcd_disk_wal_fsync_duration_seconds", "_count"))
          .isGreaterThanOrEqualTo(1);
      assertThat(delta(before, after, "etcd_debugging_mvcc_current_revision", "")).isEqualTo(puts);
      String[] putOk = {
        "grpc_type", "unary",
        "grpc_service", "etcdserverpb.KV",
        "grpc_method", "Put",
        "grpc_code", "OK"
      };
      assertThat(
              after.get("grpc_server_handled_total").value(putOk)
                  - before.get("grpc_server_handled_total").value(putOk))
          .isEqualTo(puts);
    }
  }

  @Test
  void peersReportTrafficAndHeartbeatRoundTrips() {
    try (StoreCluster cluster = StoreCluster.start(dir, 3)) {
      int leader = cluster.awaitLeader(Duration.ofSeconds(30));
      String url = cluster.member(leader).endpoint() + "/metrics";
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                Map<String, PrometheusText.Family> m = PrometheusText.parse(Http.get(url).body());
                PrometheusText.Family rtt = m.get("etcd_network_peer_round_trip_time_seconds");
                assertThat(rtt.type()).isEqualTo("histogram");
                assertThat(
                        rtt.samples().stream()
                            .filter(x -> x.name().endsWith("_count") && x.value() > 0)
                            .map(x -> x.labels().get("To"))
                            .distinct())
                    .hasSize(2);
                assertThat(m.get("etcd_network_peer_sent_bytes_total").samples())
                    .hasSize(2)
                    .allSatisfy(x -> assertThat(x.value()).isPositive());
                assertThat(m.get("etcd_network_peer_received_bytes_total").samples())
                    .hasSize(2)
                    .allSatisfy(x -> assertThat(x.value()).isPositive());
                assertThat(m.get("etcd_server_is_leader").value()).isEqualTo(1);
              });
    }
  }

  private static double delta(
      Map<String, PrometheusText.Family> before,
      Map<String, PrometheusText.Family> after,
      String name,
      String suffix) {
    return after.get(name).sample(suffix).value() - before.get(name).sample(suffix).value();
  }

  private static Map<String, PrometheusText.Family> scrape(String metricsUrl) {
    HttpResponse<String> r = Http.get(metricsUrl + "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    return PrometheusText.parse(r.body());
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
