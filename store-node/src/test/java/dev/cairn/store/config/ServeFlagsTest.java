package dev.cairn.store.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.store.testing.TestCertificates;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The bootstrap flags. Where etcd 3.4 refuses the same flags, the expected message is the one it
 * printed (etcd --name a --initial-cluster ... --data-dir /tmp/x), unless a comment says otherwise.
 */
class ServeFlagsTest {
  private static final ServeFlags.HostResolver NO_DNS =
      host -> {
        throw new UnknownHostException(host);
      };

  private static NodeConfig config(String... args) {
    return config(NO_DNS, args);
  }

  private static NodeConfig config(ServeFlags.HostResolver resolver, String... args) {
    return CommandLine.populateCommand(new ServeFlags(), args).toConfig(resolver);
  }

  private static void refused(String message, String... args) {
    assertThatThrownBy(() -> config(args)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void threeMembersAreAccepted() {
    NodeConfig c =
        config(
            "--name=m2",
            "--initial-advertise-peer-urls=http://127.0.0.1:22390",
            "--initial-cluster=m1=http://127.0.0.1:22380,m2=http://127.0.0.1:22390,"
                + "m3=http://127.0.0.1:22400");
    assertThat(c.initialClusterUrls())
        .containsExactly(
            Map.entry("m1", List.of("http://127.0.0.1:22380")),
            Map.entry("m2", List.of("http://127.0.0.1:22390")),
            Map.entry("m3", List.of("http://127.0.0.1:22400")));
    assertThat(c.isNewCluster()).isTrue();
    assertThat(c.initialClusterToken()).isEqualTo("etcd-cluster");
  }

  @Test
  void aMemberMayHaveSeveralPeerUrlsInAnyOrder() {
    NodeConfig c =
        config(
            "--name=a",
            "--initial-advertise-peer-urls=http://x:2,http://x:1",
            "--initial-cluster=a=http://x:1,b=http://y:1,a=http://x:2");
    assertThat(c.initialCluster())
        .containsExactly(
            Map.entry("a", List.of(URI.create("http://x:1"), URI.create("http://x:2"))),
            Map.entry("b", List.of(URI.create("http://y:1"))));
  }

  @Test
  void withoutInitialClusterTheMemberIsAloneWithItsAdvertisedUrls() {
    NodeConfig c = config("--name=n", "--initial-advertise-peer-urls=http://127.0.0.1:2390");
    assertThat(c.initialClusterUrls())
        .containsExactly(Map.entry("n", List.of("http://127.0.0.1:2390")));
  }

  @Test
  void aTrailingSlashIsDropped() {
    // etcd refuses any path; the id must not depend on the slash.
    NodeConfig c = config("--initial-cluster=default=http://localhost:2380/");
    assertThat(c.initialClusterUrls())
        .containsExactly(Map.entry("default", List.of("http://localhost:2380")));
  }

  @Test
  void existingStateIsKeptAndAdvertisedUrlsAreNotCompared() {
    // etcd's VerifyJoinExisting does not compare them: 'member add' announced the peer URLs.
    NodeConfig c =
        config(
            "--name=c",
            "--initial-cluster-state=existing",
            "--initial-advertise-peer-urls=http://127.0.0.1:9999",
            "--initial-cluster=a=http://127.0.0.1:2380,c=http://127.0.0.1:2390");
    assertThat(c.initialClusterState()).isEqualTo("existing");
    assertThat(c.isNewCluster()).isFalse();
  }

  @Test
  void theLocalNameMustBeInTheCluster() {
    refused(
        "couldn't find local name \"a\" in the initial cluster configuration"
            + " (--initial-cluster=b=http://127.0.0.1:2380)",
        "--name=a",
        "--initial-cluster=b=http://127.0.0.1:2380");
    refused(
        "couldn't find local name \"a\" in the initial cluster configuration"
            + " (--initial-cluster=b=http://127.0.0.1:2380)",
        "--name=a",
        "--initial-cluster-state=existing",
        "--initial-cluster=b=http://127.0.0.1:2380");
  }

  @Test
  void aLocalUrlMissingFromTheAdvertisedOnes() {
    refused(
        "--initial-cluster has a=http://127.0.0.1:32380 but missing from"
            + " --initial-advertise-peer-urls=http://127.0.0.1:32381"
            + " (resolved urls: \"http://127.0.0.1:32381\" != \"http://127.0.0.1:32380\")",
        "--name=a",
        "--initial-cluster=a=http://127.0.0.1:32380",
        "--initial-advertise-peer-urls=http://127.0.0.1:32381");
    refused(
        "--initial-cluster has a=http://127.0.0.1:32381 but missing from"
            + " --initial-advertise-peer-urls=http://127.0.0.1:32380"
            + " (len([\"http://127.0.0.1:32380\"]) !="
            + " len([\"http://127.0.0.1:32380\" \"http://127.0.0.1:32381\"]))",
        "--name=a",
        "--initial-cluster=a=http://127.0.0.1:32380,a=http://127.0.0.1:32381",
        "--initial-advertise-peer-urls=http://127.0.0.1:32380");
    // etcd never resolves localhost, so it does not match 127.0.0.1.
    refused(
        "--initial-cluster has default=http://127.0.0.1:32380 but missing from"
            + " --initial-advertise-peer-urls=http://localhost:32380"
            + " (resolved urls: \"http://localhost:32380\" != \"http://127.0.0.1:32380\")",
        "--initial-cluster=default=http://127.0.0.1:32380",
        "--initial-advertise-peer-urls=http://localhost:32380");
  }

  @Test
  void anAdvertisedUrlMissingFromTheLocalEntry() {
    // etcd prints the advertised URLs after --initial-cluster=; the entry given is more useful.
    refused(
        "--initial-advertise-peer-urls has http://127.0.0.1:32381 but missing from"
            + " --initial-cluster=a=http://127.0.0.1:32380",
        "--name=a",
        "--initial-cluster=a=http://127.0.0.1:32380",
        "--initial-advertise-peer-urls=http://127.0.0.1:32380,http://127.0.0.1:32381");
  }

  @Test
  void hostNamesAreResolvedBeforeComparing() {
    String[] args = {
      "--name=a",
      "--initial-cluster=a=http://127.0.0.1:2380",
      "--initial-advertise-peer-urls=http://node1:2380"
    };
    assertThat(config(host -> host.equals("node1") ? "127.0.0.1" : null, args).name())
        .isEqualTo("a");
    assertThatThrownBy(() -> config(host -> "10.0.0.9", args))
        .hasMessage(
            "--initial-cluster has a=http://127.0.0.1:2380 but missing from"
                + " --initial-advertise-peer-urls=http://node1:2380"
                + " (resolved urls: \"http://10.0.0.9:2380\" != \"http://127.0.0.1:2380\")");
    assertThatThrownBy(() -> config(NO_DNS, args))
        .hasMessage(
            "--initial-cluster has a=http://127.0.0.1:2380 but missing from"
                + " --initial-advertise-peer-urls=http://node1:2380"
                + " (failed to resolve \"http://node1:2380\" (node1))");
  }

  @Test
  void aUrlMayNotAppearTwice() {
    // etcd: "initial cluster a=...,b=... has duplicate url", without the URL or the flag.
    refused(
        "--initial-cluster a=http://127.0.0.1:32380,b=http://127.0.0.1:32380"
            + " has duplicate url http://127.0.0.1:32380",
        "--name=a",
        "--initial-cluster=a=http://127.0.0.1:32380,b=http://127.0.0.1:32380",
        "--initial-advertise-peer-urls=http://127.0.0.1:32380");
    // etcd reports this one as a failure to match the advertised URLs.
    refused(
        "--initial-cluster a=http://127.0.0.1:32380,a=http://127.0.0.1:32380"
            + " has duplicate url http://127.0.0.1:32380",
        "--name=a",
        "--initial-cluster=a=http://127.0.0.1:32380,a=http://127.0.0.1:32380",
        "--initial-advertise-peer-urls=http://127.0.0.1:32380");
    refused(
        "--initial-cluster a=http://127.0.0.1:1,b=http://127.0.0.1:2,b=http://127.0.0.1:3,"
            + "c=http://127.0.0.1:3 has duplicate url http://127.0.0.1:3",
        "--name=a",
        "--initial-cluster-state=existing",
        "--initial-cluster=b=http://127.0.0.1:3,a=http://127.0.0.1:1,c=http://127.0.0.1:3,"
            + "b=http://127.0.0.1:2");
    // etcd: "failed to resolve ... to match --initial-cluster=..." with the lengths.
    refused(
        "--initial-advertise-peer-urls has duplicate url http://localhost:2380",
        "--initial-advertise-peer-urls=http://localhost:2380,http://localhost:2380",
        "--initial-cluster=default=http://localhost:2380");
  }

  @Test
  void malformedClusterEntriesAndStates() {
    refused(
        "--initial-cluster entry 'b' is not of the form name=url",
        "--name=a",
        "--initial-cluster=a=http://127.0.0.1:2380,b");
    refused(
        "--initial-cluster has URL 'http://127.0.0.1:2380/x' with a path; give host and port only",
        "--initial-cluster=default=http://127.0.0.1:2380/x");
    refused(
        "--initial-cluster-state must be 'new' or 'existing', not 'joining'",
        "--initial-cluster-state=joining");
  }

  @Test
  void anHttpsClientUrlServesTheGivenCertificate(@TempDir Path dir) {
    TestCertificates.Authority ca = TestCertificates.authority(dir, "ca");
    TestCertificates.Pair server = ca.server("server");

    NodeConfig cfg =
        config(
            "--listen-client-urls=http://127.0.0.1:2379,https://127.0.0.1:2378",
            "--cert-file=" + server.cert(),
            "--key-file=" + server.key(),
            "--trusted-ca-file=" + ca.certFile(),
            "--client-cert-auth");

    assertThat(cfg.listenClientUrls())
        .containsExactly(URI.create("http://127.0.0.1:2379"), URI.create("https://127.0.0.1:2378"));
    assertThat(cfg.tls().client().certFile()).isEqualTo(server.cert());
    assertThat(cfg.tls().client().clientCertAuth()).isTrue();
    assertThat(cfg.tls().peer().hasIdentity()).isFalse();
  }

  @Test
  void anHttpsUrlNeedsACertificate() {
    // etcd 3.5's message (server/embed/etcd.go, configureClientListeners).
    refused(
        "TLS key/cert (--cert-file, --key-file) must be provided for client url"
            + " https://127.0.0.1:2379 with HTTPS scheme",
        "--listen-client-urls=https://127.0.0.1:2379");
    refused(
        "TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url"
            + " https://127.0.0.1:2380 with HTTPS scheme",
        "--listen-peer-urls=https://127.0.0.1:2380");
  }

  @Test
  void aCertificateNeedsItsKeyAndReadableFiles(@TempDir Path dir) throws Exception {
    TestCertificates.Authority ca = TestCertificates.authority(dir, "ca");
    TestCertificates.Pair server = ca.server("server");
    Path garbage = dir.resolve("garbage.pem");
    Files.writeString(garbage, "not a certificate");

    refused(
        "--cert-file and --key-file must both be present [key: , cert: " + server.cert() + "]",
        "--cert-file=" + server.cert());
    refused(
        "--peer-key-file " + dir.resolve("missing.pem") + " does not exist",
        "--peer-cert-file=" + server.cert(),
        "--peer-key-file=" + dir.resolve("missing.pem"));
    refused(
        "client TLS: " + garbage + " holds no PEM certificate",
        "--cert-file=" + garbage,
        "--key-file=" + server.key());
    refused("--client-cert-auth needs --trusted-ca-file", "--client-cert-auth");
  }

  @Test
  void versionsAndCipherSuitesAreChecked() {
    refused(
        "unexpected TLS version \"TLS1.0\" (must be one of: TLS1.2, TLS1.3)",
        "--tls-min-version=TLS1.0");
    refused("unexpected TLS cipher suite \"RC4\"", "--cipher-suites=RC4");
    refused(
        "cipher suites cannot be configured when only TLS1.3 is enabled",
        "--tls-min-version=TLS1.3",
        "--cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  }
}
