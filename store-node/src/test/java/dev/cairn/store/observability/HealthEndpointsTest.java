package dev.cairn.store.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreNodeProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP endpoints Kubernetes probes and operators call, on the client port next to gRPC and on
 * the --listen-metrics-urls port, answering as etcd 3.5 does.
 */
class HealthEndpointsTest {
  @TempDir static Path dir;
  static StoreNodeProcess member;
  static String metricsUrl;

  @BeforeAll
  static void start() {
    int metricsPort = Ports.free();
    metricsUrl = "http://127.0.0.1:" + metricsPort;
    member =
        StoreNodeProcess.start(
            dir.resolve("m"),
            "--listen-metrics-urls=" + metricsUrl,
            "--quota-backend-bytes=" + (16L << 20));
  }

  @AfterAll
  static void stop() {
    if (member != null) {
      member.close();
    }
  }

  @Test
  void gRpcAndHttpShareTheClientPort() throws Exception {
    try (Client client = Client.builder().endpoints(member.endpoint()).build()) {
      client.getKVClient().put(bytes("shared"), bytes("port")).get(10, TimeUnit.SECONDS);
    }
    HttpResponse<String> health = Http.get(member.endpoint() + "/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("{\"health\":\"true\",\"reason\":\"\"}");
    assertThat(health.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
  }

  @Test
  void versionNamesAnEtcdThreeFiveServerAndCluster() {
    HttpResponse<String> v = Http.get(member.endpoint() + "/version");
    assertThat(v.statusCode()).isEqualTo(200);
    assertThat(v.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(v.body())
        .matches("\\{\"etcdserver\":\"3\\.5\\.\\d+\",\"etcdcluster\":\"3\\.5\\.0\"}");
  }

  @Test
  void livezAndReadyzListTheirChecksWhenVerbose() {
    assertThat(Http.get(member.endpoint() + "/livez").body()).isEqualTo("ok\n");
    assertThat(Http.get(member.endpoint() + "/livez?verbose").body())
        .isEqualTo("[+]serializable_read ok\nok\n");
    HttpResponse<String> ready = Http.get(member.endpoint() + "/readyz?verbose");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body())
        .isEqualTo(
            "[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\n"
                + "[+]non_learner ok\nok\n");
    assertThat(Http.get(member.endpoint() + "/readyz?verbose&exclude=non_learner").body())
        .doesNotContain("non_learner");
    assertThat(Http.get(member.endpoint() + "/readyz/non_learner?verbose").body())
        .isEqualTo("[+]non_learner ok\nok\n");
  }

  @Test
  void wrongMethodsAndUnknownPathsGetGoStyleErrors() {
    HttpResponse<String> post = Http.post(member.endpoint() + "/health", "");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
    assertThat(post.body()).isEqualTo("Method Not Allowed\n");
    HttpResponse<String> missing = Http.get(member.endpoint() + "/no/such/path");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).isEqualTo("404 page not found\n");
  }

  @Test
  void theMetricsPortServesMetricsAndHealthButNotTheApi() {
    assertThat(Http.get(metricsUrl + "/metrics").body()).contains("etcd_server_has_leader 1");
    assertThat(Http.get(metricsUrl + "/health").statusCode()).isEqualTo(200);
    assertThat(Http.get(metricsUrl + "/readyz").body()).isEqualTo("ok\n");
    assertThat(Http.get(metricsUrl + "/version").statusCode()).isEqualTo(404);
  }

  @Test
  void aFullBackendMakesHealthFailUnlessNospaceIsExcluded() throws Exception {
    try (Client client = Client.builder().endpoints(member.endpoint()).build()) {
      KV kv = client.getKVClient();
      ByteSequence value = ByteSequence.from(new byte[64 * 1024]);
      boolean refused = false;
      for (int i = 0; i < 2000 && !refused; i++) {
        try {
          kv.put(bytes("big"), value).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          refused = true;
        }
      }
      assertThat(refused).as("a write past the quota is refused").isTrue();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              HttpResponse<String> h = Http.get(member.endpoint() + "/health");
              assertThat(h.statusCode()).isEqualTo(503);
              assertThat(h.body())
                  .isEqualTo("{\"health\":\"false\",\"reason\":\"ALARM NOSPACE\"}\n");
            });
    assertThat(Http.get(member.endpoint() + "/health?exclude=NOSPACE").statusCode()).isEqualTo(200);
    // NOSPACE leaves reads working: readiness holds.
    assertThat(Http.get(member.endpoint() + "/readyz").statusCode()).isEqualTo(200);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
