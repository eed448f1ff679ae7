package dev.cairn.store.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.testing.StoreNodeProcess;
import dev.cairn.store.testing.TestCertificates;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An https client URL answers gRPC (ALPN h2) and HTTP/1.1 (ALPN http/1.1) on one port. */
class HttpsEndpointsTest {
  @TempDir Path dir;

  @Test
  void healthMetricsAndTheGatewayAnswerOverTlsBesideGrpc() throws Exception {
    TestCertificates.Authority ca = TestCertificates.authority(dir.resolve("pki"), "ca");
    TestCertificates.Pair server = ca.server("member");
    try (StoreNodeProcess member =
            StoreNodeProcess.start(
                dir.resolve("m"),
                StoreNodeProcess.Tls.clients(ca.certFile(), null, null),
                "--cert-file=" + server.cert(),
                "--key-file=" + server.key());
        Client grpc =
            Client.builder()
                .endpoints(member.endpoint())
                .sslContext(b -> b.trustManager(ca.certFile().toFile()))
                .build()) {
      assertThat(member.endpoint()).startsWith("https://");
      grpc.getKVClient()
          .put(
              ByteSequence.from("k", StandardCharsets.UTF_8),
              ByteSequence.from("v", StandardCharsets.UTF_8))
          .get(10, TimeUnit.SECONDS);

      HttpClient https =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(trusting(ca.certFile()))
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      HttpResponse<String> health =
          https.send(
              HttpRequest.newBuilder(URI.create(member.endpoint() + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("{\"health\":\"true\",\"reason\":\"\"}");
      HttpResponse<String> range =
          https.send(
              HttpRequest.newBuilder(URI.create(member.endpoint() + "/v3/kv/range"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"aw==\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(range.statusCode()).isEqualTo(200);
      assertThat(range.body()).contains("\"value\":\"dg==\"");
      HttpResponse<String> metrics =
          https.send(
              HttpRequest.newBuilder(URI.create(member.endpoint() + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(PrometheusText.parse(metrics.body()))
          .containsKeys("etcd_server_has_leader", "grpc_server_handled_total");
    }
  }

  private static SSLContext trusting(Path caFile) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(caFile)) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
