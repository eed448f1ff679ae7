package dev.cairn.store.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM files as openssl and cfssl write them: certificate chains, and private keys in PKCS#8
 * ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}, possibly
 * after an {@code EC PARAMETERS} block) form.
 */
public final class Pem {
  private Pem() {}

  /** Every certificate in the file, in file order (leaf first for a chain). */
  public static List<X509Certificate> certificates(Path file) {
    return certificates(file, read(file));
  }

  static List<X509Certificate> certificates(Path file, String text) {
    List<X509Certificate> out = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = new PEMParser(reader(text))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof X509CertificateHolder h) {
          out.add(converter.getCertificate(h));
        }
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      throw new TlsException(file + " is not a valid PEM certificate file: " + reason(e), e);
    }
    if (out.isEmpty()) {
      throw new TlsException(file + " holds no PEM certificate");
    }
    return out;
  }

  /** The one private key in the file; unencrypted, since a serving member cannot ask for one. */
  public static PrivateKey privateKey(Path file) {
    return privateKey(file, read(file));
  }

  static PrivateKey privateKey(Path file, String text) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(reader(text))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        switch (o) {
          case PrivateKeyInfo info -> {
            return converter.getPrivateKey(info);
          }
          // A SEC1 key may omit its public half, so only the private part is converted.
          case PEMKeyPair pair -> {
            return converter.getPrivateKey(pair.getPrivateKeyInfo());
          }
          case PEMEncryptedKeyPair ignored ->
              throw new TlsException(file + " holds an encrypted private key; give it unencrypted");
          case PKCS8EncryptedPrivateKeyInfo ignored ->
              throw new TlsException(file + " holds an encrypted private key; give it unencrypted");
          // openssl ecparam writes the curve before the key.
          case ASN1ObjectIdentifier ignored -> {}
          default -> {}
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof TlsException t) {
        throw t;
      }
      throw new TlsException(file + " is not a valid PEM private key file: " + reason(e), e);
    }
    throw new TlsException(file + " holds no PEM private key");
  }

  /** The file's text; a missing or unreadable file is named in the message. */
  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      throw new TlsException(file + " does not exist");
    } catch (IOException e) {
      throw new TlsException(file + " cannot be read: " + reason(e), e);
    }
  }

  private static Reader reader(String text) {
    return new StringReader(text);
  }

  private static String reason(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
