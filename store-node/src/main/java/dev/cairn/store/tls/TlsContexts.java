package dev.cairn.store.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The gRPC (Netty, ALPN h2) TLS contexts of one {@link TlsSettings}: a server context when a
 * certificate is given, and a client context. Both read the certificate, key and CA files again
 * when they change, so rotating them needs no restart. Clients check the server's certificate
 * against the host of the URL they dial (IP or DNS subject alternative name), as etcd's do.
 */
public final class TlsContexts {
  private final TlsSettings settings;
  private final ReloadingKeyManager keys;
  private final ReloadingTrustManager trust;
  private final SslContext server;
  private final SslContext sharedServer;
  private final SslContext client;

  private TlsContexts(TlsSettings settings) {
    settings.validate();
    this.settings = settings;
    if ((settings.certFile() == null) != (settings.keyFile() == null)) {
      throw new TlsException(
          "a certificate and its key must both be given [key: "
              + settings.keyFile()
              + ", cert: "
              + settings.certFile()
              + "]");
    }
    keys =
        settings.hasIdentity()
            ? new ReloadingKeyManager(settings.certFile(), settings.keyFile())
            : null;
    trust =
        settings.trustedCaFile() == null
            ? null
            : new ReloadingTrustManager(settings.trustedCaFile());
    try {
      server = keys == null ? null : serverContext(false);
      sharedServer = keys == null ? null : serverContext(true);
      client = clientContext();
    } catch (SSLException e) {
      throw new TlsException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /**
   * Reads and checks every file of the settings.
   *
   * @throws TlsException naming the file or setting that cannot be used
   */
  public static TlsContexts of(TlsSettings settings) {
    return new TlsContexts(settings);
  }

  public TlsSettings settings() {
    return settings;
  }

  /** Whether there is a certificate to serve with. */
  public boolean canServe() {
    return server != null;
  }

  /**
   * The context of a server: presents the certificate, and when client certificates are required
   * (--client-cert-auth, or a trusted CA given, as in etcd) verifies them against the trusted CA.
   */
  public SslContext server() {
    if (server == null) {
      throw new IllegalStateException("no certificate and key to serve TLS with");
    }
    return server;
  }

  /**
   * The context of a server port that speaks gRPC and HTTP/1.1, as etcd's client port does: as
   * {@link #server()}, but offering ALPN {@code http/1.1} beside {@code h2}.
   */
  public SslContext serverForGrpcAndHttp() {
    if (sharedServer == null) {
      throw new IllegalStateException("no certificate and key to serve TLS with");
    }
    return sharedServer;
  }

  /** The context of a client: presents the certificate if given, verifies the server. */
  public SslContext client() {
    return client;
  }

  /** The certificate new handshakes present (after reading the files again if they changed). */
  public Identity identity() {
    if (keys == null) {
      throw new IllegalStateException("no certificate");
    }
    return keys.identity();
  }

  private SslContext serverContext(boolean withHttp1) throws SSLException {
    SslContextBuilder b = SslContextBuilder.forServer(keys);
    if (settings.requiresClientCertificate()) {
      if (trust == null) {
        throw new TlsException("client certificate authentication needs a trusted CA file");
      }
      b.trustManager(trust).clientAuth(ClientAuth.REQUIRE);
    } else {
      b.clientAuth(ClientAuth.NONE);
    }
    return finish(b, withHttp1);
  }

  private SslContext clientContext() throws SSLException {
    SslContextBuilder b = SslContextBuilder.forClient();
    if (keys != null) {
      b.keyManager(keys);
    }
    if (trust != null) {
      b.trustManager(trust);
    }
    return finish(b, false);
  }

  private SslContext finish(SslContextBuilder b, boolean withHttp1) throws SSLException {
    // The JDK provider calls the reloading managers on every handshake.
    GrpcSslContexts.configure(b, SslProvider.JDK);
    if (withHttp1) {
      b.applicationProtocolConfig(
          new ApplicationProtocolConfig(
              ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
              ApplicationProtocolNames.HTTP_2,
              ApplicationProtocolNames.HTTP_1_1));
    }
    b.protocols(settings.protocols());
    if (!settings.cipherSuites().isEmpty()) {
      // Like Go, the list governs TLS 1.2 only: TLS 1.3's own suites stay enabled.
      List<String> suites = new ArrayList<>(settings.cipherSuites());
      for (String s : TlsSettings.supportedCipherSuites()) {
        if (s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_")) {
          suites.add(s);
        }
      }
      b.ciphers(suites, SupportedCipherSuiteFilter.INSTANCE);
    }
    return b.build();
  }
}
