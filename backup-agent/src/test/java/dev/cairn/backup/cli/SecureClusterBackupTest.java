package dev.cairn.backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.backup.testing.Agent;
import dev.cairn.backup.testing.S3Server;
import dev.cairn.store.testing.CapturedRun;
import dev.cairn.store.testing.StoreNodeProcess;
import dev.cairn.store.testing.TestCertificates;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member behind mutual TLS with auth enabled is backed up with etcdctl's flags. */
class SecureClusterBackupTest {
  private static final String BUCKET = "secure";

  @TempDir static Path dir;
  private static S3Server s3;
  private static StoreNodeProcess member;
  private static TestCertificates.Authority ca;
  private static TestCertificates.Pair agent;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3Server.start();
    s3.createBucket(BUCKET);
    ca = TestCertificates.authority(dir.resolve("pki"), "cairn-test-ca");
    TestCertificates.Pair server = ca.server("member");
    // Not a user: with auth on, the agent is whoever --user says.
    agent = ca.client("agent", "backup-agent");
    member =
        StoreNodeProcess.start(
            dir.resolve("m1"),
            StoreNodeProcess.Tls.clients(ca.certFile(), agent.cert(), agent.key()),
            "--cert-file=" + server.cert(),
            "--key-file=" + server.key(),
            "--trusted-ca-file=" + ca.certFile(),
            "--client-cert-auth",
            "--bcrypt-cost=4");
    try (Client c =
        Client.builder()
            .endpoints(member.endpoint())
            .sslContext(
                b ->
                    b.trustManager(ca.certFile().toFile())
                        .keyManager(agent.cert().toFile(), agent.key().toFile()))
            .build()) {
      c.getKVClient().put(bytes("secret"), bytes("kept")).get(10, TimeUnit.SECONDS);
      var auth = c.getAuthClient();
      auth.userAdd(bytes("root"), bytes("rootpw")).get(10, TimeUnit.SECONDS);
      auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
      auth.authEnable().get(10, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (member != null) {
      member.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void backsUpOverMutualTlsAsAUser() throws Exception {
    CapturedRun.Result r = Agent.run(flags("--user=root:rootpw"));
    assertThat(r.exitCode()).as(r.output()).isZero();
    JsonNode summary = new ObjectMapper().readTree(r.stdout());
    assertThat(summary.get("revision").asLong()).isPositive();
    assertThat(s3.keys(BUCKET)).contains(summary.get("manifest").asText());
  }

  @Test
  void aWrongPasswordIsAClearFailure() {
    List<String> before = s3.keys(BUCKET);
    CapturedRun.Result r = Agent.run(flags("--user=root:wrong"));
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.stderr())
        .contains("no member can take a snapshot: " + member.endpoint())
        .contains("authentication failed");
    assertThat(s3.keys(BUCKET)).isEqualTo(before);
  }

  private static String[] flags(String... extra) {
    List<String> args = new ArrayList<>();
    args.add("backup");
    args.add("--endpoints=" + member.endpoint());
    args.add("--cacert=" + ca.certFile());
    args.add("--cert=" + agent.cert());
    args.add("--key=" + agent.key());
    args.add("--bucket=" + BUCKET);
    args.add("--s3-endpoint=" + s3.endpoint());
    args.add("--path-style");
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
