package dev.cairn.store.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.proto.peer.MembersRequest;
import dev.cairn.proto.peer.PeerClusterGrpc;
import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreCluster;
import dev.cairn.store.testing.StoreNodeProcess;
import dev.cairn.store.testing.TestCertificates;
import dev.cairn.store.tls.TlsContexts;
import dev.cairn.store.tls.TlsSettings;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three members whose peers talk over mutual TLS (https peer URLs, --peer-client-cert-auth); a
 * certificate from another CA gets no one into the cluster.
 */
class PeerTlsClusterTest {
  @TempDir static Path dir;
  static TestCertificates.Authority ca;
  static TestCertificates.Authority foreign;
  static TestCertificates.Pair peer;
  static TestCertificates.Pair intruder;
  static StoreCluster cluster;

  @BeforeAll
  static void start() {
    ca = TestCertificates.authority(dir.resolve("pki"), "peer-ca");
    foreign = TestCertificates.authority(dir.resolve("foreign"), "foreign-ca");
    peer = ca.server("peer");
    intruder = foreign.server("intruder");
    cluster =
        StoreCluster.start(
            dir.resolve("cluster"),
            3,
            StoreNodeProcess.Tls.peers(),
            peerFlags(peer, ca.certFile()).toArray(String[]::new));
    cluster.awaitLeader(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static List<String> peerFlags(TestCertificates.Pair pair, Path caFile) {
    return List.of(
        "--peer-cert-file=" + pair.cert(),
        "--peer-key-file=" + pair.key(),
        "--peer-trusted-ca-file=" + caFile,
        "--peer-client-cert-auth");
  }

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Test
  void writesReplicateToEveryMemberOverTls() throws Exception {
    try (Client c = Client.builder().endpoints(cluster.member(0).endpoint()).build()) {
      c.getKVClient().put(bs("replicated"), bs("over-tls")).get(10, TimeUnit.SECONDS);
    }

    for (int i = 0; i < cluster.size(); i++) {
      try (Client c = Client.builder().endpoints(cluster.member(i).endpoint()).build()) {
        await()
            .atMost(Duration.ofSeconds(10))
            .ignoreExceptions()
            .until(() -> localValue(c, "replicated"), v -> v.equals("over-tls"));
      }
    }
  }

  @Test
  void aMemberWithAForeignCertificateCannotJoin() throws Exception {
    String peerUrl = "https://127.0.0.1:" + Ports.free();
    try (Client c = Client.builder().endpoints(cluster.member(0).endpoint()).build()) {
      c.getClusterClient().addMember(List.of(URI.create(peerUrl)), true).get(10, TimeUnit.SECONDS);
    }

    assertThatThrownBy(
            () ->
                cluster.join(
                    "intruder", peerUrl, peerFlags(intruder, foreign.certFile()), List.of()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("could not get the cluster's members from any peer URL");

    try (Client c = Client.builder().endpoints(cluster.member(1).endpoint()).build()) {
      c.getKVClient().put(bs("still-serving"), bs("yes")).get(10, TimeUnit.SECONDS);
      assertThat(
              c.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers().stream()
                  .filter(m -> m.getPeerURIs().contains(URI.create(peerUrl)))
                  .findFirst()
                  .orElseThrow()
                  .getName())
          .as("the intruder never started as a member")
          .isEmpty();
    }
  }

  @Test
  void aForeignCertificateCannotReachThePeerPort() {
    URI peerUrl = URI.create(cluster.member(0).peerUrl());

    StatusRuntimeException refused =
        catchMembers(peerUrl, TlsSettings.client(ca.certFile(), intruder.cert(), intruder.key()));
    StatusRuntimeException served =
        catchMembers(peerUrl, TlsSettings.client(ca.certFile(), peer.cert(), peer.key()));

    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(served).as("a member's own certificate is served").isNull();
  }

  /** Asks the peer port for the members; the failure, or null when it answered. */
  private static StatusRuntimeException catchMembers(URI peerUrl, TlsSettings settings) {
    ManagedChannel ch =
        NettyChannelBuilder.forAddress(peerUrl.getHost(), peerUrl.getPort())
            .sslContext(TlsContexts.of(settings).client())
            .build();
    try {
      PeerClusterGrpc.newBlockingStub(ch)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .members(MembersRequest.getDefaultInstance());
      return null;
    } catch (StatusRuntimeException e) {
      return e;
    } finally {
      ch.shutdownNow();
    }
  }

  private static String localValue(Client c, String key) throws Exception {
    var kvs =
        c.getKVClient()
            .get(bs(key), GetOption.builder().withSerializable(true).build())
            .get(2, TimeUnit.SECONDS)
            .getKvs();
    return kvs.isEmpty() ? "" : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
  }
}
