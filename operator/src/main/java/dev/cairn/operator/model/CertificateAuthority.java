package dev.cairn.operator.model;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small CA for one StoreCluster: it signs the members' and the operator's certificates. Keys are
 * ECDSA P-256, which every TLS 1.2 and 1.3 peer accepts and which is cheap to generate.
 *
 * @param certificate the self-signed CA certificate
 * @param key the CA's private key
 */
public record CertificateAuthority(X509Certificate certificate, PrivateKey key) {
  /** How long the CA is valid; long, because replacing it means replacing every certificate. */
  public static final Duration CA_VALIDITY = Duration.ofDays(3650);

  /** How long member and operator certificates are valid. */
  public static final Duration LEAF_VALIDITY = Duration.ofDays(730);

  private static final String SIGNATURE = "SHA256withECDSA";
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * A certificate and its key, PEM-encoded as Kubernetes TLS Secrets hold them.
   *
   * @param certificatePem {@code tls.crt}
   * @param keyPem {@code tls.key}, PKCS#8
   */
  public record Issued(String certificatePem, String keyPem) {}

  /** A new CA named after the cluster, valid from {@code now}. */
  public static CertificateAuthority create(String commonName, Instant now) {
    KeyPair pair = newKeyPair();
    X500Name subject = new X500Name("CN=" + commonName + ",O=cairn");
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  serial(),
                  Date.from(now.minus(Duration.ofMinutes(5))),
                  Date.from(now.plus(CA_VALIDITY)),
                  subject,
                  pair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  utils.createSubjectKeyIdentifier(pair.getPublic()));
      return new CertificateAuthority(sign(builder, pair.getPrivate()), pair.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot create a CA certificate", e);
    }
  }

  /** The CA read back from its PEM certificate and key. */
  public static CertificateAuthority fromPem(String certificatePem, String keyPem) {
    try (PEMParser certs = new PEMParser(new StringReader(certificatePem));
        PEMParser keys = new PEMParser(new StringReader(keyPem))) {
      X509CertificateHolder holder = (X509CertificateHolder) certs.readObject();
      PrivateKeyInfo keyInfo = (PrivateKeyInfo) keys.readObject();
      return new CertificateAuthority(
          new JcaX509CertificateConverter().getCertificate(holder),
          new JcaPEMKeyConverter().getPrivateKey(keyInfo));
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("not a PEM CA certificate and PKCS#8 key", e);
    }
  }

  /**
   * A certificate signed by this CA.
   *
   * @param commonName the subject's common name; for a client certificate, the etcd user
   * @param dnsNames subject alternative DNS names (may contain one leading wildcard label)
   * @param ipAddresses subject alternative IP addresses
   * @param server whether the certificate may serve TLS
   * @param client whether the certificate may authenticate a client
   */
  public Issued issue(
      String commonName,
      List<String> dnsNames,
      List<String> ipAddresses,
      boolean server,
      boolean client,
      Instant now) {
    KeyPair pair = newKeyPair();
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  serial(),
                  Date.from(now.minus(Duration.ofMinutes(5))),
                  Date.from(now.plus(LEAF_VALIDITY)),
                  new X500Name("CN=" + commonName + ",O=cairn"),
                  pair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
              .addExtension(Extension.extendedKeyUsage, false, usages(server, client))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  utils.createAuthorityKeyIdentifier(certificate))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  utils.createSubjectKeyIdentifier(pair.getPublic()));
      if (!dnsNames.isEmpty() || !ipAddresses.isEmpty()) {
        GeneralName[] names =
            java.util.stream.Stream.concat(
                    dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n)),
                    ipAddresses.stream().map(ip -> new GeneralName(GeneralName.iPAddress, ip)))
                .toArray(GeneralName[]::new);
        builder.addExtension(Extension.subjectAlternativeName, false, new DERSequence(names));
      }
      X509Certificate issued = sign(builder, key);
      return new Issued(pem(issued), pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
    }
  }

  /** The CA certificate, PEM. */
  public String certificatePem() {
    return pem(certificate);
  }

  /** The CA key, PKCS#8 PEM. */
  public String keyPem() {
    try {
      return pem(new JcaPKCS8Generator(key, null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ExtendedKeyUsage usages(boolean server, boolean client) {
    if (server && client) {
      return new ExtendedKeyUsage(
          new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
    }
    return new ExtendedKeyUsage(
        server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 key generator", e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
