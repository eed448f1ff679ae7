package dev.cairn.operator.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterResources;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.member.JetcdMemberObserver;
import dev.cairn.operator.model.TlsSecrets;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * manifests/examples/production.yaml end to end: five members serving client and peer mutual TLS
 * from the operator's generated Secrets, and auth turned on by the operator, which connects with
 * its own client certificate.
 */
class ProductionClusterE2eTest {
  private static final String NAMESPACE = "cairn";
  private static final String NAME = "orders";
  private static final int REPLICAS = 5;
  private static final String ROOT_PASSWORD = "correct-horse";
  private static final String ENDPOINT = "https://orders-client." + NAMESPACE + ".svc:2379";
  private static final ByteSequence KEY = bytes("/orders/1");

  // Kept after a failure: the members' logs are under logs/.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private OperatedCluster harness;
  private LocalCluster cluster;

  @BeforeEach
  void start() {
    harness = OperatedCluster.start(dir);
    cluster = harness.local();
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  @Test
  void productionClusterServesMutualTlsWithAuthEnabledByTheOperator() throws Exception {
    KubernetesClient client = cluster.client();
    // As the example's comment asks: the root password exists before the cluster.
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("orders-root")
                .withNamespace(NAMESPACE)
                .endMetadata()
                .withStringData(Map.of("username", "root", "password", ROOT_PASSWORD))
                .build())
        .create();
    StoreCluster applied;
    try (InputStream yaml =
        Files.newInputStream(
            LocalCluster.repository().resolve("manifests/examples/production.yaml"))) {
      applied = client.resources(StoreCluster.class).inNamespace(NAMESPACE).load(yaml).create();
    }

    StoreClusterStatus formed = awaitStatus(ProductionClusterE2eTest::assertAllHealthy);
    assertThat(formed.members()).allMatch(m -> m.clientURL().startsWith("https://"));
    // Auth is enabled after the cluster formed; the event says so once it is done.
    within()
        .untilAsserted(
            () ->
                assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems())
                    .anyMatch(e -> "AuthEnabled".equals(e.getReason())));

    Map<String, String> operatorTls =
        JetcdMemberObserver.decode(
            client
                .secrets()
                .inNamespace(NAMESPACE)
                .withName(StoreClusterResources.operatorTlsSecretName(NAME))
                .get());
    // The operator's certificate names root: with auth on, calls without a token run as root.
    try (Client root = withCertificate(operatorTls).build()) {
      within()
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                root.getKVClient().put(KEY, bytes("shipped")).get(5, TimeUnit.SECONDS);
                assertThat(value(root)).isEqualTo("shipped");
              });
    }
    // The password from the root Secret logs in, which etcd allows only once auth is enabled.
    try (Client root =
        withCertificate(operatorTls).user(bytes("root")).password(bytes(ROOT_PASSWORD)).build()) {
      assertThat(value(root)).isEqualTo("shipped");
    }
    try (Client wrongPassword =
        withCertificate(operatorTls).user(bytes("root")).password(bytes("wrong")).build()) {
      assertThatThrownBy(() -> value(wrongPassword))
          .hasStackTraceContaining("authentication failed");
    }
    // Trusting the CA is not enough: the members require a client certificate.
    try (Client anonymous =
        Client.builder()
            .endpoints(ENDPOINT)
            .sslContext(
                GrpcSslContexts.forClient()
                    .trustManager(pem(operatorTls.get(TlsSecrets.CA_CERT)))
                    .build())
            .build()) {
      assertThatThrownBy(() -> value(anonymous)).isInstanceOf(Exception.class);
    }

    client.resource(applied).delete();
    within()
        .untilAsserted(
            () -> {
              assertThat(client.apps().statefulSets().inNamespace(NAMESPACE).list().getItems())
                  .isEmpty();
              assertThat(client.pods().inNamespace(NAMESPACE).list().getItems()).isEmpty();
              assertThat(client.services().inNamespace(NAMESPACE).list().getItems()).isEmpty();
              // The generated Secrets go with the cluster; the user's root Secret stays.
              assertThat(client.secrets().inNamespace(NAMESPACE).list().getItems())
                  .extracting(s -> s.getMetadata().getName())
                  .containsExactly("orders-root");
              assertThat(cluster.anyMemberRunning()).isFalse();
            });
  }

  private static void assertAllHealthy(StoreClusterStatus status) {
    Condition available = status.condition(Condition.AVAILABLE).orElseThrow();
    assertThat(available.isTrue()).as(available.message()).isTrue();
    assertThat(status.members()).hasSize(REPLICAS).allMatch(m -> Boolean.TRUE.equals(m.healthy()));
    assertThat(status.leader()).isNotNull();
    assertThat(status.readyReplicas()).isEqualTo(REPLICAS);
  }

  private static ClientBuilder withCertificate(Map<String, String> tls) throws Exception {
    SslContextBuilder ssl =
        GrpcSslContexts.forClient()
            .trustManager(pem(tls.get(TlsSecrets.CA_CERT)))
            .keyManager(pem(tls.get(TlsSecrets.TLS_CERT)), pem(tls.get(TlsSecrets.TLS_KEY)));
    return Client.builder().endpoints(ENDPOINT).sslContext(ssl.build());
  }

  private StoreClusterStatus awaitStatus(java.util.function.Consumer<StoreClusterStatus> check) {
    return harness.awaitStatus(NAME, check);
  }

  // Five JVMs start on a shared two-core machine.
  private static ConditionFactory within() {
    return await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200));
  }

  private static String value(Client etcd) throws Exception {
    List<KeyValue> kvs = etcd.getKVClient().get(KEY).get(5, TimeUnit.SECONDS).getKvs();
    return kvs.isEmpty() ? null : kvs.getFirst().getValue().toString(StandardCharsets.UTF_8);
  }

  private static ByteArrayInputStream pem(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
