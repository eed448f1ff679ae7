package dev.cairn.store.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.proto.etcdserverpb.MaintenanceGrpc;
import dev.cairn.proto.etcdserverpb.StatusRequest;
import dev.cairn.store.cli.StoreNodeMain;
import dev.cairn.store.testing.Etcdctl;
import dev.cairn.store.testing.NodeEtcd3;
import dev.cairn.store.testing.Ports;
import dev.cairn.store.testing.StoreNodeProcess;
import dev.cairn.store.testing.TestCertificates;
import dev.cairn.store.tls.TlsContexts;
import dev.cairn.store.tls.TlsSettings;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two members with https client URLs: {@code secure} serves TLS beside a plain http URL, {@code
 * mutual} also requires a client certificate (--client-cert-auth). Clients are jetcd, etcdctl, the
 * Node etcd3 client and raw gRPC.
 */
class ClientTlsTest {
  @TempDir static Path dir;
  static TestCertificates.Authority ca;
  static TestCertificates.Authority foreign;
  static TestCertificates.Pair alice;
  static TestCertificates.Pair mallory;
  static StoreNodeProcess secure;
  static String plainEndpoint;
  static StoreNodeProcess mutual;

  @BeforeAll
  static void start() {
    ca = TestCertificates.authority(dir.resolve("pki"), "ca");
    foreign = TestCertificates.authority(dir.resolve("foreign"), "foreign-ca");
    alice = ca.client("alice", "alice");
    mallory = foreign.client("mallory", "alice");
    TestCertificates.Pair s1 = ca.server("secure");
    TestCertificates.Pair s2 =
        ca.server("mutual", TestCertificates.KeyType.EC, TestCertificates.KeyFormat.TRADITIONAL);

    int plainPort = Ports.free();
    int tlsPort = Ports.free();
    plainEndpoint = "http://127.0.0.1:" + plainPort;
    secure =
        StoreNodeProcess.start(
            dir.resolve("secure"),
            tlsPort,
            Ports.free(),
            Map.of(),
            List.of(
                "--listen-client-urls=" + plainEndpoint + ",https://127.0.0.1:" + tlsPort,
                "--cert-file=" + s1.cert(),
                "--key-file=" + s1.key()),
            StoreNodeProcess.Tls.clients(ca.certFile(), null, null));
    mutual =
        StoreNodeProcess.start(
            dir.resolve("mutual"),
            StoreNodeProcess.Tls.clients(ca.certFile(), alice.cert(), alice.key()),
            "--cert-file=" + s2.cert(),
            "--key-file=" + s2.key(),
            "--trusted-ca-file=" + ca.certFile(),
            "--client-cert-auth");
  }

  @AfterAll
  static void stop() {
    if (secure != null) {
      secure.close();
    }
    if (mutual != null) {
      mutual.close();
    }
  }

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static Client jetcd(String endpoint, Path caFile, TestCertificates.Pair pair)
      throws SSLException {
    return Client.builder()
        .endpoints(endpoint)
        .sslContext(
            b -> {
              b.trustManager(caFile.toFile());
              if (pair != null) {
                b.keyManager(pair.cert().toFile(), pair.key().toFile());
              }
            })
        .build();
  }

  @Test
  void jetcdTrustingTheCaWritesOverTlsAndThePlainUrlReadsIt() throws Exception {
    try (Client c = jetcd(secure.endpoint(), ca.certFile(), null)) {
      c.getKVClient().put(bs("over-tls"), bs("v1")).get(10, TimeUnit.SECONDS);
    }

    try (Client c = Client.builder().endpoints(plainEndpoint).build()) {
      assertThat(c.getKVClient().get(bs("over-tls")).get(10, TimeUnit.SECONDS).getKvs())
          .singleElement()
          .satisfies(kv -> assertThat(kv.getValue()).isEqualTo(bs("v1")));
    }
  }

  @Test
  void aClientTrustingAnotherCaRefusesTheServer() {
    StatusRuntimeException e =
        statusWith(secure, TlsSettings.client(foreign.certFile(), null, null));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(causes(e)).contains("PKIX path");
  }

  @Test
  void jetcdWithAClientCertificateIsServedUnderMutualTls() throws Exception {
    try (Client c = jetcd(mutual.endpoint(), ca.certFile(), alice)) {
      c.getKVClient().put(bs("mtls"), bs("by-alice")).get(10, TimeUnit.SECONDS);
      assertThat(c.getKVClient().get(bs("mtls")).get(10, TimeUnit.SECONDS).getKvs())
          .singleElement()
          .satisfies(kv -> assertThat(kv.getValue()).isEqualTo(bs("by-alice")));
    }
  }

  @Test
  void jetcdWithoutAClientCertificateIsRefused() throws Exception {
    try (Client c = jetcd(mutual.endpoint(), ca.certFile(), null)) {
      assertThatThrownBy(() -> c.getKVClient().get(bs("mtls")).get(5, TimeUnit.SECONDS))
          .isInstanceOfAny(
              java.util.concurrent.ExecutionException.class,
              java.util.concurrent.TimeoutException.class);
    }
    StatusRuntimeException e = statusWith(mutual, TlsSettings.client(ca.certFile(), null, null));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void aClientCertificateFromAnotherCaIsRefused() {
    StatusRuntimeException e =
        statusWith(mutual, TlsSettings.client(ca.certFile(), mallory.cert(), mallory.key()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void etcdctlWithCacertCertAndKeyPutsAndGets() {
    Etcdctl.assumeInstalled();
    Etcdctl etcdctl = new Etcdctl(mutual.endpoint());
    String[] tls = {"--cacert=" + ca.certFile(), "--cert=" + alice.cert(), "--key=" + alice.key()};

    Etcdctl.Result put = etcdctl.run(concat(tls, "put", "from-etcdctl", "yes"));
    Etcdctl.Result get = etcdctl.run(concat(tls, "get", "from-etcdctl", "--print-value-only"));

    assertThat(put.exitCode()).as(put.stderr()).isZero();
    assertThat(get.stdout().trim()).as(get.stderr()).isEqualTo("yes");
  }

  @Test
  void nodeEtcd3PutsAndGetsOverTlsAndMutualTls() {
    NodeEtcd3.assumeInstalled();

    NodeEtcd3.Result tls =
        NodeEtcd3.putGet(secure.endpoint(), ca.certFile(), null, null, "from-node", "tls");
    NodeEtcd3.Result mtls =
        NodeEtcd3.putGet(
            mutual.endpoint(), ca.certFile(), alice.cert(), alice.key(), "from-node", "mtls");

    assertThat(tls.output().trim()).as(tls.output()).isEqualTo("tls");
    assertThat(mtls.output().trim()).as(mtls.output()).isEqualTo("mtls");
  }

  @Test
  void theStoresOwnToolsTakeEtcdctlsTlsFlags() {
    String[] tls = {"--cacert=" + ca.certFile(), "--cert=" + alice.cert(), "--key=" + alice.key()};
    Path snapshot = dir.resolve("over-mtls.db");

    int saved =
        StoreNodeMain.run(
            concat(
                new String[] {"snapshot", "save", "--endpoints=" + mutual.endpoint()},
                concat(tls, snapshot.toString())));
    int benched =
        StoreNodeMain.run(
            concat(
                new String[] {"bench", "--endpoints=" + mutual.endpoint()},
                concat(tls, "put", "--total=20")));

    assertThat(saved).isZero();
    assertThat(snapshot).isNotEmptyFile();
    assertThat(benched).isZero();
  }

  /** The failure of a Status call made with {@code settings}. */
  private static StatusRuntimeException statusWith(StoreNodeProcess member, TlsSettings settings) {
    URI u = URI.create(member.endpoint());
    ManagedChannel ch =
        NettyChannelBuilder.forAddress(u.getHost(), u.getPort())
            .sslContext(TlsContexts.of(settings).client())
            .build();
    try {
      MaintenanceGrpc.newBlockingStub(ch)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance());
      throw new AssertionError("the call was served");
    } catch (StatusRuntimeException e) {
      return e;
    } finally {
      ch.shutdownNow();
    }
  }

  private static String causes(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      b.append(c).append('\n');
    }
    return b.toString();
  }

  private static String[] concat(String[] head, String... tail) {
    String[] out = java.util.Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, out, head.length, tail.length);
    return out;
  }
}
