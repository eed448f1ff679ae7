package dev.cairn.store.tls;

import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trusts the CA certificates of one PEM bundle, read again whenever the file changes, so that a new
 * CA can be added (and an old one retired) without a restart. Verification itself is the JDK's PKIX
 * check, host name identification included when the engine asks for it.
 */
public final class ReloadingTrustManager extends X509ExtendedTrustManager {
  private static final Logger log = LoggerFactory.getLogger(ReloadingTrustManager.class);

  private final Path caFile;
  private String text;
  private X509ExtendedTrustManager delegate;
  private String refused;

  /**
   * Reads the bundle once.
   *
   * @throws TlsException naming the file when it is missing, unreadable or holds no certificate
   */
  public ReloadingTrustManager(Path caFile) {
    this.caFile = caFile;
    text = Pem.read(caFile);
    delegate = build(caFile, text);
  }

  private static X509ExtendedTrustManager build(Path file, String text) {
    List<X509Certificate> cas = Pem.certificates(file, text);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        ks.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(ks);
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new TlsException("no X.509 trust manager in this JDK");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new TlsException(file + " cannot be used as a CA bundle: " + e.getMessage(), e);
    }
  }

  private synchronized X509ExtendedTrustManager current() {
    String now;
    try {
      now = Pem.read(caFile);
    } catch (TlsException e) {
      refuse("", e);
      return delegate;
    }
    if (!now.equals(text)) {
      try {
        delegate = build(caFile, now);
        text = now;
        refused = null;
        log.info("loaded new trusted CA certificates from {}", caFile);
      } catch (TlsException e) {
        refuse(now, e);
      }
    }
    return delegate;
  }

  private void refuse(String now, TlsException e) {
    if (!now.equals(refused)) {
      log.warn("keeping the current trusted CA certificates: {}", e.getMessage());
      refused = now;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    current().checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    current().checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    current().checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    current().checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    current().checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    current().checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return current().getAcceptedIssuers();
  }
}
