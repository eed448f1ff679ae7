package dev.cairn.store.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate chain and the private key of its leaf, as read from a cert file and a key file.
 *
 * @param chain leaf first; never empty
 */
public record Identity(List<X509Certificate> chain, PrivateKey key) {
  public Identity {
    chain = List.copyOf(chain);
  }

  /** Reads both files and checks that the key belongs to the certificate. */
  public static Identity load(Path certFile, Path keyFile) {
    return of(certFile, Pem.read(certFile), keyFile, Pem.read(keyFile));
  }

  static Identity of(Path certFile, String certText, Path keyFile, String keyText) {
    List<X509Certificate> chain = Pem.certificates(certFile, certText);
    PrivateKey key = Pem.privateKey(keyFile, keyText);
    if (!matches(key, chain.get(0).getPublicKey())) {
      throw new TlsException(
          "the private key in " + keyFile + " does not match the certificate in " + certFile);
    }
    return new Identity(chain, key);
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** Whether a signature made with the key verifies with the certificate's public key. */
  private static boolean matches(PrivateKey key, PublicKey pub) {
    if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
      return false;
    }
    String alg =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // Ed25519, Ed448
        };
    byte[] probe = "cairn key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(pub);
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
