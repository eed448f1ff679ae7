package dev.cairn.store.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Certificates made at test time, written as PEM files the way openssl and cfssl write them: a CA,
 * server certificates for 127.0.0.1 and localhost (usable as peer certificates too, like cfssl's
 * peer profile), and client certificates naming a user.
 */
public final class TestCertificates {
  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

  private TestCertificates() {}

  public enum KeyType {
    RSA,
    EC
  }

  /** How the private key is written: PKCS#8, or PKCS#1 (RSA) / SEC1 (EC) as openssl genrsa does. */
  public enum KeyFormat {
    PKCS8,
    TRADITIONAL
  }

  /** A certificate file, its key file, and the certificate's serial. */
  public record Pair(Path cert, Path key, BigInteger serial) {}

  /** A CA that signs certificates into PEM files. */
  public static final class Authority {
    private final Path dir;
    private final KeyPair keys;
    private final X509Certificate cert;
    private final Path certFile;

    private Authority(Path dir, String name) {
      this.dir = dir;
      this.keys = generate(KeyType.RSA);
      X500Name subject = new X500Name("CN=" + name);
      this.cert =
          sign(
              new JcaX509v3CertificateBuilder(
                  subject, serial(), notBefore(), notAfter(), subject, keys.getPublic()),
              keys,
              b -> {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                b.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
              });
      this.certFile = dir.resolve(name + ".pem");
      writeAtomically(certFile, pem(cert));
    }

    /** The CA certificate, the file to give as --trusted-ca-file or --cacert. */
    public Path certFile() {
      return certFile;
    }

    /** A server (and peer) certificate for 127.0.0.1 and localhost, RSA, PKCS#8. */
    public Pair server(String name) {
      return server(name, KeyType.RSA, KeyFormat.PKCS8);
    }

    public Pair server(String name, KeyType type, KeyFormat format) {
      return issue(
          dir.resolve(name + ".pem"), dir.resolve(name + "-key.pem"), name, type, format, true);
    }

    /** A client certificate whose common name is {@code cn}. */
    public Pair client(String name, String cn) {
      return issue(
          dir.resolve(name + ".pem"),
          dir.resolve(name + "-key.pem"),
          cn,
          KeyType.RSA,
          KeyFormat.PKCS8,
          false);
    }

    /**
     * Issues a server certificate into the given files, each replaced atomically (key first), as
     * one rotates a member's certificate.
     */
    public Pair reissueServer(Path certFile, Path keyFile) {
      return issue(certFile, keyFile, "server", KeyType.RSA, KeyFormat.PKCS8, true);
    }

    private Pair issue(
        Path certFile, Path keyFile, String cn, KeyType type, KeyFormat format, boolean server) {
      KeyPair kp = generate(type);
      BigInteger serial = serial();
      X509Certificate c =
          sign(
              new JcaX509v3CertificateBuilder(
                  cert, serial, notBefore(), notAfter(), new X500Name("CN=" + cn), kp.getPublic()),
              keys,
              b -> {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                b.addExtension(
                    Extension.extendedKeyUsage,
                    false,
                    server
                        ? new ExtendedKeyUsage(
                            new KeyPurposeId[] {
                              KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                            })
                        : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
                if (server) {
                  b.addExtension(
                      Extension.subjectAlternativeName,
                      false,
                      new GeneralNames(
                          new GeneralName[] {
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                            new GeneralName(GeneralName.dNSName, "localhost")
                          }));
                }
              });
      writeAtomically(keyFile, format == KeyFormat.PKCS8 ? pkcs8(kp) : traditional(kp));
      writeAtomically(certFile, pem(c));
      return new Pair(certFile, keyFile, serial);
    }
  }

  /** A new CA whose certificate is written to {@code dir/name.pem}. */
  public static Authority authority(Path dir, String name) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Authority(dir, name);
  }

  private interface Extensions {
    void add(X509v3CertificateBuilder b) throws IOException;
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer, Extensions ext) {
    try {
      ext.add(b);
      String alg =
          signer.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(signer.getPrivate())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair generate(KeyType type) {
    try {
      KeyPairGenerator g;
      if (type == KeyType.EC) {
        g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
      } else {
        g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048, new SecureRandom());
      }
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIALS.incrementAndGet());
  }

  private static Date notBefore() {
    return Date.from(Instant.now().minus(Duration.ofHours(1)));
  }

  private static Date notAfter() {
    return Date.from(Instant.now().plus(Duration.ofDays(2)));
  }

  /** PEM text of a certificate, or of a key in its traditional (PKCS#1 / SEC1) form. */
  static String pem(Object o) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  /** PKCS#1 for RSA; SEC1 for EC, with the curve and public key inside as openssl writes them. */
  private static String traditional(KeyPair kp) {
    if (!kp.getPrivate().getAlgorithm().equals("EC")) {
      return pem(kp.getPrivate());
    }
    StringWriter w = new StringWriter();
    try (PemWriter pw = new PemWriter(w)) {
      PrivateKeyInfo info = PrivateKeyInfo.getInstance(kp.getPrivate().getEncoded());
      ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
      ECPrivateKey sec1 =
          new ECPrivateKey(
              256,
              inner.getKey(),
              SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded()).getPublicKeyData(),
              info.getPrivateKeyAlgorithm().getParameters());
      pw.writeObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  private static String pkcs8(KeyPair kp) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(new JcaPKCS8Generator(kp.getPrivate(), null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  /** Writes beside the file and renames over it, so a reader never sees half a file. */
  static void writeAtomically(Path file, String text) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, text);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
