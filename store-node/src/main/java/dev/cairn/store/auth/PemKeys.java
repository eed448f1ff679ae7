package dev.cairn.store.auth;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads PEM keys in the forms openssl and cfssl write: PKCS#8, PKCS#1 RSA, SEC1 EC, public keys,
 * and the public key of a certificate.
 */
public final class PemKeys {
  private PemKeys() {}

  public static PrivateKey privateKey(Path file) throws IOException {
    Object o = first(file);
    JcaPEMKeyConverter c = new JcaPEMKeyConverter();
    if (o instanceof PEMKeyPair kp) {
      return c.getPrivateKey(kp.getPrivateKeyInfo());
    }
    if (o instanceof PrivateKeyInfo pki) {
      return c.getPrivateKey(pki);
    }
    throw new IOException(file + " holds no unencrypted private key in PEM form");
  }

  public static PublicKey publicKey(Path file) throws IOException {
    Object o = first(file);
    JcaPEMKeyConverter c = new JcaPEMKeyConverter();
    if (o instanceof SubjectPublicKeyInfo spki) {
      return c.getPublicKey(spki);
    }
    if (o instanceof X509CertificateHolder cert) {
      return c.getPublicKey(cert.getSubjectPublicKeyInfo());
    }
    if (o instanceof PEMKeyPair kp) {
      return c.getPublicKey(kp.getPublicKeyInfo());
    }
    throw new IOException(file + " holds no public key or certificate in PEM form");
  }

  private static Object first(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      if (o == null) {
        throw new IOException(file + " holds no PEM block");
      }
      return o;
    }
  }
}
