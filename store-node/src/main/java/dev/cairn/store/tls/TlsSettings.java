package dev.cairn.store.tls;

import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * One side's TLS files and options, as etcd's flags give them (etcd's transport.TLSInfo).
 *
 * @param certFile the certificate (chain) presented, or null
 * @param keyFile the private key of {@code certFile}, or null
 * @param trustedCaFile the CA bundle the other side is verified against, or null for the JDK's
 * @param clientCertAuth whether a server requires a client certificate signed by the trusted CA
 * @param cipherSuites IANA names of the TLS 1.2 cipher suites allowed, in order; empty for the
 *     defaults
 * @param minVersion {@code TLS1.2} or {@code TLS1.3}; empty for TLS1.2
 * @param maxVersion {@code TLS1.2}, {@code TLS1.3}, or empty for the highest available
 */
public record TlsSettings(
    Path certFile,
    Path keyFile,
    Path trustedCaFile,
    boolean clientCertAuth,
    List<String> cipherSuites,
    String minVersion,
    String maxVersion) {
  static final String TLS12 = "TLS1.2";
  static final String TLS13 = "TLS1.3";

  public TlsSettings {
    cipherSuites = List.copyOf(cipherSuites);
    minVersion = minVersion == null ? "" : minVersion;
    maxVersion = maxVersion == null ? "" : maxVersion;
  }

  /** Settings of a client that only verifies the server (etcdctl's --cacert). */
  public static TlsSettings client(Path trustedCaFile, Path certFile, Path keyFile) {
    return new TlsSettings(certFile, keyFile, trustedCaFile, false, List.of(), "", "");
  }

  /** Whether a certificate and key are given. */
  public boolean hasIdentity() {
    return certFile != null && keyFile != null;
  }

  /** Whether a server asks for and verifies client certificates; etcd does so given a CA too. */
  public boolean requiresClientCertificate() {
    return clientCertAuth || trustedCaFile != null;
  }

  /**
   * Checks the versions and cipher suites with etcd's messages (client/pkg/tlsutil and
   * server/embed/config.go).
   *
   * @throws TlsException with the message to show
   */
  public void validate() {
    int min = version(minVersion);
    int max = version(maxVersion);
    if (max != 0 && min > max) {
      throw new TlsException(
          "min version (" + minVersion + ") is greater than max version (" + maxVersion + ")");
    }
    if (min == 13 && !cipherSuites.isEmpty()) {
      throw new TlsException("cipher suites cannot be configured when only TLS1.3 is enabled");
    }
    Set<String> known = Set.of(supportedCipherSuites());
    for (String s : cipherSuites) {
      if (!known.contains(s) || s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_")) {
        throw new TlsException("unexpected TLS cipher suite \"" + s + "\"");
      }
    }
  }

  /** The JDK protocol names allowed, lowest first. */
  public List<String> protocols() {
    int min = version(minVersion);
    int max = version(maxVersion);
    List<String> out = new ArrayList<>();
    if (min <= 12 && (max == 0 || max >= 12)) {
      out.add("TLSv1.2");
    }
    if (max == 0 || max >= 13) {
      out.add("TLSv1.3");
    }
    return out;
  }

  /** 12 or 13, or 0 for the empty string; etcd's tlsutil.GetTLSVersion. */
  private static int version(String v) {
    return switch (v) {
      case "" -> 0;
      case TLS12 -> 12;
      case TLS13 -> 13;
      default ->
          throw new TlsException(
              "unexpected TLS version \"" + v + "\" (must be one of: TLS1.2, TLS1.3)");
    };
  }

  /** The cipher suites this JDK can use, by their IANA names. */
  static String[] supportedCipherSuites() {
    try {
      return SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites();
    } catch (NoSuchAlgorithmException e) {
      throw new TlsException("no default TLS context in this JDK", e);
    }
  }
}
