package dev.cairn.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.Fixtures;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The generated CA and certificates: names, usages, signatures and validity. */
class TlsSecretsTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static StoreClusterModel model;
  private static CertificateAuthority ca;
  private static TlsSecrets secrets;

  @BeforeAll
  static void generate() {
    model = StoreClusterModel.fromCrd(Fixtures.production());
    ca = CertificateAuthority.create("db/orders CA", NOW);
    secrets = new TlsSecrets(model, ca, NOW);
  }

  @Test
  void theCaSecretKeepsTheKeySoTheSameCaSignsLaterCertificates() throws Exception {
    Secret secret = secrets.generateCaSecret();

    assertThat(secret.getMetadata().getName()).isEqualTo("orders-ca");
    assertThat(secret.getMetadata().getOwnerReferences()).hasSize(1);
    CertificateAuthority reread =
        CertificateAuthority.fromPem(
            secret.getStringData().get("ca.crt"), secret.getStringData().get("ca.key"));
    assertThat(reread.certificate()).isEqualTo(ca.certificate());
    assertThat(reread.key().getEncoded()).isEqualTo(ca.key().getEncoded());
    assertThat(ca.certificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void theClientListenerCertificateNamesEveryMemberAndTheClientService() throws Exception {
    Secret secret = secrets.generateClientSecret();
    X509Certificate cert = certificate(secret);

    assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(secret.getMetadata().getName()).isEqualTo("orders-client-tls");
    assertThat(dnsNames(cert))
        .contains(
            "orders-0.orders-peer.db.svc",
            "orders-4.orders-peer.db.svc",
            "*.orders-peer.db.svc",
            "*.orders-peer.db.svc.cluster.local",
            "orders-client",
            "orders-client.db",
            "orders-client.db.svc",
            "orders-client.db.svc.cluster.local",
            "localhost");
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertSignedByCa(cert, secret);
  }

  @Test
  void thePeerCertificateServesAndAuthenticatesMembers() throws Exception {
    Secret secret = secrets.generatePeerSecret();
    X509Certificate cert = certificate(secret);

    assertThat(secret.getMetadata().getName()).isEqualTo("orders-peer-tls");
    assertThat(dnsNames(cert))
        .contains(
            "orders-0.orders-peer.db.svc", "orders-4.orders-peer.db.svc", "*.orders-peer.db.svc")
        .doesNotContain("orders-client.db.svc");
    assertThat(cert.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertSignedByCa(cert, secret);
  }

  @Test
  void theOperatorsCertificateIsAClientCertificateForRoot() throws Exception {
    Secret secret = secrets.generateOperatorSecret();
    X509Certificate cert = certificate(secret);

    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("O=cairn,CN=root");
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(cert.getSubjectAlternativeNames()).isNull();
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(730)));
    assertThat(secret.getStringData().get("tls.key")).startsWith("-----BEGIN PRIVATE KEY-----");
    assertSignedByCa(cert, secret);
  }

  private static void assertSignedByCa(X509Certificate cert, Secret secret) throws Exception {
    cert.verify(ca.certificate().getPublicKey());
    cert.checkValidity(java.util.Date.from(NOW.plus(Duration.ofDays(1))));
    assertThat(secret.getStringData().get("ca.crt")).isEqualTo(ca.certificatePem());
  }

  private static X509Certificate certificate(Secret secret) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(
                new ByteArrayInputStream(
                    secret.getStringData().get("tls.crt").getBytes(StandardCharsets.US_ASCII)));
  }

  private static List<String> dnsNames(X509Certificate cert) throws Exception {
    Collection<List<?>> names = cert.getSubjectAlternativeNames();
    return names.stream().filter(n -> (Integer) n.get(0) == 2).map(n -> (String) n.get(1)).toList();
  }
}
