package dev.cairn.store.tls;

import java.net.Socket;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presents the certificate and key of two files, read again whenever they change, so that a
 * certificate can be rotated without a restart: each new handshake uses the files as they are then
 * (as etcd, which reloads them on every handshake), and established connections are untouched. A
 * pair that cannot be used (half written, key of another certificate) is logged and the previous
 * identity kept.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final Logger log = LoggerFactory.getLogger(ReloadingKeyManager.class);

  private final Path certFile;
  private final Path keyFile;
  // A handshake asks for the alias, then its chain and key: an alias names one loaded pair, so a
  // rotation between those calls cannot mix the old chain with the new key.
  private final Map<String, Identity> byAlias = new LinkedHashMap<>();
  private Loaded current;
  private String refused;
  private int generation;

  private record Loaded(String alias, String certText, String keyText, Identity identity) {}

  /**
   * Reads the pair once.
   *
   * @throws TlsException naming the file that is missing, unreadable or wrong
   */
  public ReloadingKeyManager(Path certFile, Path keyFile) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    String c = Pem.read(certFile);
    String k = Pem.read(keyFile);
    install(c, k, Identity.of(certFile, c, keyFile, k));
  }

  /** The identity new handshakes present, after reading the files again if they changed. */
  public synchronized Identity identity() {
    refresh();
    return current.identity();
  }

  private synchronized String currentAlias() {
    refresh();
    return current.alias();
  }

  private void refresh() {
    String c;
    String k;
    try {
      c = Pem.read(certFile);
      k = Pem.read(keyFile);
    } catch (TlsException e) {
      refuse("", e);
      return;
    }
    if (c.equals(current.certText()) && k.equals(current.keyText())) {
      return;
    }
    try {
      install(c, k, Identity.of(certFile, c, keyFile, k));
    } catch (TlsException e) {
      refuse(c + k, e);
    }
  }

  private void install(String c, String k, Identity id) {
    generation++;
    String alias = "cairn-" + generation;
    byAlias.put(alias, id);
    // The previous pair stays for a handshake that chose it a moment ago.
    while (byAlias.size() > 2) {
      byAlias.remove(byAlias.keySet().iterator().next());
    }
    if (current != null) {
      log.info(
          "loaded a new certificate from {} (serial {}, subject {})",
          certFile,
          id.leaf().getSerialNumber().toString(16),
          id.leaf().getSubjectX500Principal().getName());
    }
    current = new Loaded(alias, c, k, id);
    refused = null;
  }

  /** Logs a refused pair once, not on every handshake while the files stay as they are. */
  private void refuse(String texts, TlsException e) {
    if (!texts.equals(refused)) {
      log.warn("keeping the current certificate: {}", e.getMessage());
      refused = texts;
    }
  }

  private static boolean fits(String keyType, PrivateKey key) {
    String alg = key.getAlgorithm();
    return keyType.equals(alg)
        || keyType.startsWith(alg + "_")
        || (alg.equals("RSA") && keyType.equals("RSASSA-PSS"));
  }

  private String aliasFor(String... keyTypes) {
    String alias = currentAlias();
    PrivateKey key = getPrivateKey(alias);
    for (String t : keyTypes) {
      if (key != null && fits(t, key)) {
        return alias;
      }
    }
    return null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyType);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return aliasFor(keyType);
  }

  // The certificate is presented whatever issuers the server names, as etcd does.
  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyTypes);
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return aliasFor(keyTypes);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String a = aliasFor(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return getServerAliases(keyType, issuers);
  }

  @Override
  public synchronized X509Certificate[] getCertificateChain(String alias) {
    Identity id = byAlias.get(alias);
    return id == null ? null : id.chain().toArray(X509Certificate[]::new);
  }

  @Override
  public synchronized PrivateKey getPrivateKey(String alias) {
    Identity id = byAlias.get(alias);
    return id == null ? null : id.key();
  }
}
