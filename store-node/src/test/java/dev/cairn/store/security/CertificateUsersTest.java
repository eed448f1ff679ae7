package dev.cairn.store.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.testing.Etcdctl;
import dev.cairn.store.testing.StoreNodeProcess;
import dev.cairn.store.testing.TestCertificates;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With --client-cert-auth and auth enabled, a call without a token is made as the user its client
 * certificate's common name names, as in etcd: etcdctl --cert/--key without --user.
 */
class CertificateUsersTest {
  @TempDir Path dir;

  @Test
  void theCommonNameOfAVerifiedCertificateIsTheUser() {
    Etcdctl.assumeInstalled();
    TestCertificates.Authority ca = TestCertificates.authority(dir.resolve("pki"), "ca");
    TestCertificates.Pair server = ca.server("member");
    TestCertificates.Pair root = ca.client("root", "root");
    TestCertificates.Pair alice = ca.client("alice", "alice");
    TestCertificates.Pair nobody = ca.client("nobody", "nobody");
    try (StoreNodeProcess member =
        StoreNodeProcess.start(
            dir.resolve("m"),
            StoreNodeProcess.Tls.clients(ca.certFile(), root.cert(), root.key()),
            "--cert-file=" + server.cert(),
            "--key-file=" + server.key(),
            "--trusted-ca-file=" + ca.certFile(),
            "--client-cert-auth")) {
      Etcdctl etcdctl = new Etcdctl(member.endpoint());
      As asRoot = new As(etcdctl, ca.certFile(), root);
      As asAlice = new As(etcdctl, ca.certFile(), alice);

      asRoot.ok("user", "add", "root:root-secret");
      asRoot.ok("user", "grant-role", "root", "root");
      asRoot.ok("role", "add", "reader");
      asRoot.ok("role", "grant-permission", "reader", "read", "--prefix", "app/");
      asRoot.ok("user", "add", "alice", "--no-password");
      asRoot.ok("user", "grant-role", "alice", "reader");
      asRoot.ok("put", "app/config", "v1");
      asRoot.ok("auth", "enable");

      // Alice's certificate alone lets her read what her role allows, and nothing more.
      assertThat(asAlice.ok("get", "app/config", "--print-value-only").trim()).isEqualTo("v1");
      assertThat(asAlice.fails("put", "app/config", "v2"))
          .contains("etcdserver: permission denied");
      // The root certificate is root: it writes and manages users without a password.
      asRoot.ok("put", "app/config", "v2");
      assertThat(asRoot.ok("user", "list")).contains("alice").contains("root");
      // A token, when given, names the user instead of the certificate.
      asAlice.ok("--user=root:root-secret", "put", "app/config", "v3");
      // A certificate whose name is no user's is allowed nothing.
      assertThat(new As(etcdctl, ca.certFile(), nobody).fails("get", "app/config"))
          .contains("etcdserver: permission denied");
    }
  }

  /** etcdctl with a CA and one client certificate. */
  private record As(Etcdctl etcdctl, Path caFile, TestCertificates.Pair cert) {
    private Etcdctl.Result run(String... args) {
      List<String> all = new ArrayList<>();
      all.add("--cacert=" + caFile);
      all.add("--cert=" + cert.cert());
      all.add("--key=" + cert.key());
      all.addAll(List.of(args));
      return etcdctl.run(all.toArray(String[]::new));
    }

    String ok(String... args) {
      Etcdctl.Result r = run(args);
      assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r.stderr()).isZero();
      return r.stdout();
    }

    String fails(String... args) {
      Etcdctl.Result r = run(args);
      assertThat(r.exitCode()).as(String.join(" ", args) + " should fail").isNotZero();
      return r.stderr();
    }
  }
}
