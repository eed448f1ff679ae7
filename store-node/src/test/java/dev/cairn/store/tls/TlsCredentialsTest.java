package dev.cairn.store.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.store.testing.TestCertificates;
import dev.cairn.store.testing.TestCertificates.KeyFormat;
import dev.cairn.store.testing.TestCertificates.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading certificates and keys as openssl and cfssl write them, and etcd's TLS option checks. */
class TlsCredentialsTest {
  @TempDir static Path dir;
  static TestCertificates.Authority ca;

  @BeforeAll
  static void authority() {
    ca = TestCertificates.authority(dir, "ca");
  }

  @ParameterizedTest(name = "{0} key in {1} form")
  @CsvSource({"RSA, PKCS8", "RSA, TRADITIONAL", "EC, PKCS8", "EC, TRADITIONAL"})
  void aKeyIsReadInEveryFormOpensslWrites(KeyType type, KeyFormat format) throws Exception {
    TestCertificates.Pair pair = ca.server("s-" + type + "-" + format, type, format);

    Identity id = Identity.load(pair.cert(), pair.key());

    assertThat(id.leaf().getSerialNumber()).isEqualTo(pair.serial());
    assertThat(id.key().getAlgorithm()).isEqualTo(type.name());
    String header = Files.readAllLines(pair.key()).get(0);
    assertThat(header)
        .isEqualTo(
            format == KeyFormat.PKCS8
                ? "-----BEGIN PRIVATE KEY-----"
                : "-----BEGIN " + type + " PRIVATE KEY-----");
  }

  @Test
  void aSec1KeyAfterItsCurveParametersIsRead() throws Exception {
    TestCertificates.Pair pair = ca.server("ec-params", KeyType.EC, KeyFormat.TRADITIONAL);
    Path withParams = dir.resolve("ec-params-with-curve.pem");
    // openssl ecparam -genkey writes the curve first.
    Files.writeString(
        withParams,
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
            + Files.readString(pair.key()));

    assertThat(Pem.privateKey(withParams).getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void aMissingFileIsNamed() {
    Path missing = dir.resolve("nowhere.pem");

    assertThatThrownBy(() -> Pem.certificates(missing))
        .isInstanceOf(TlsException.class)
        .hasMessage(missing + " does not exist");
  }

  @Test
  void garbageIsNoCertificateAndNoKey() throws Exception {
    Path garbage = dir.resolve("garbage.pem");
    Files.writeString(garbage, "this is not PEM\n");

    assertThatThrownBy(() -> Pem.certificates(garbage))
        .hasMessage(garbage + " holds no PEM certificate");
    assertThatThrownBy(() -> Pem.privateKey(garbage))
        .hasMessage(garbage + " holds no PEM private key");
  }

  @Test
  void aTruncatedCertificateIsNamed() throws Exception {
    TestCertificates.Pair pair = ca.server("truncated");
    String pem = Files.readString(pair.cert());
    Path cut = dir.resolve("cut.pem");
    Files.writeString(cut, pem.substring(0, pem.length() / 2));

    assertThatThrownBy(() -> Pem.certificates(cut)).hasMessageStartingWith(cut.toString());
  }

  @Test
  void theKeyOfAnotherCertificateIsRefused() {
    TestCertificates.Pair one = ca.server("one");
    TestCertificates.Pair other = ca.server("other");

    assertThatThrownBy(() -> Identity.load(one.cert(), other.key()))
        .hasMessage(
            "the private key in "
                + other.key()
                + " does not match the certificate in "
                + one.cert());
  }

  @Test
  void aHalfWrittenPairKeepsTheCurrentCertificate() throws Exception {
    TestCertificates.Pair pair = ca.server("rotating");
    ReloadingKeyManager keys = new ReloadingKeyManager(pair.cert(), pair.key());
    TestCertificates.Pair next = ca.server("next");

    // The new certificate lands before its key.
    Files.copy(next.cert(), pair.cert(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(keys.identity().leaf().getSerialNumber()).isEqualTo(pair.serial());

    Files.copy(next.key(), pair.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(keys.identity().leaf().getSerialNumber()).isEqualTo(next.serial());
  }

  @Test
  void versionsAreEtcds() {
    assertThat(settings(List.of(), "TLS1.2", "").protocols()).containsExactly("TLSv1.2", "TLSv1.3");
    assertThat(settings(List.of(), "TLS1.3", "").protocols()).containsExactly("TLSv1.3");
    assertThat(settings(List.of(), "", "TLS1.2").protocols()).containsExactly("TLSv1.2");
    assertThatThrownBy(() -> settings(List.of(), "TLS1.1", "").validate())
        .hasMessage("unexpected TLS version \"TLS1.1\" (must be one of: TLS1.2, TLS1.3)");
    assertThatThrownBy(() -> settings(List.of(), "TLS1.3", "TLS1.2").validate())
        .hasMessage("min version (TLS1.3) is greater than max version (TLS1.2)");
  }

  @Test
  void cipherSuitesAreIanaNamesAndNeedTls12() {
    settings(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), "TLS1.2", "").validate();
    assertThatThrownBy(() -> settings(List.of("TLS_NO_SUCH_SUITE"), "", "").validate())
        .hasMessage("unexpected TLS cipher suite \"TLS_NO_SUCH_SUITE\"");
    assertThatThrownBy(
            () ->
                settings(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), "TLS1.3", "").validate())
        .hasMessage("cipher suites cannot be configured when only TLS1.3 is enabled");
  }

  @Test
  void contextsNeedBothHalvesOfAPair() {
    TestCertificates.Pair pair = ca.server("half");

    assertThatThrownBy(
            () ->
                TlsContexts.of(new TlsSettings(pair.cert(), null, null, false, List.of(), "", "")))
        .hasMessageContaining("must both be given");
  }

  private static TlsSettings settings(List<String> suites, String min, String max) {
    return new TlsSettings(null, null, null, false, suites, min, max);
  }
}
