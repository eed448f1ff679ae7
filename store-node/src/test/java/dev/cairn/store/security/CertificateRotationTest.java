package dev.cairn.store.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.proto.etcdserverpb.MaintenanceGrpc;
import dev.cairn.proto.etcdserverpb.StatusRequest;
import dev.cairn.store.testing.StoreNodeProcess;
import dev.cairn.store.testing.TestCertificates;
import dev.cairn.store.tls.ReloadingTrustManager;
import dev.cairn.store.tls.TlsContexts;
import dev.cairn.store.tls.TlsSettings;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member's certificate replaced on disk while it serves, as an operator rotates one. */
class CertificateRotationTest {
  @TempDir Path dir;

  @Test
  void newConnectionsSeeTheNewCertificateAndOldOnesKeepWorking() throws Exception {
    TestCertificates.Authority ca = TestCertificates.authority(dir.resolve("pki"), "ca");
    TestCertificates.Pair first = ca.server("server");
    try (StoreNodeProcess member =
        StoreNodeProcess.start(
            dir.resolve("m"),
            StoreNodeProcess.Tls.clients(ca.certFile(), null, null),
            "--cert-file=" + first.cert(),
            "--key-file=" + first.key())) {
      URI endpoint = URI.create(member.endpoint());
      ManagedChannel established =
          NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort())
              .sslContext(TlsContexts.of(TlsSettings.client(ca.certFile(), null, null)).client())
              .build();
      try {
        status(established);
        assertThat(servedSerial(endpoint, ca.certFile())).isEqualTo(first.serial());

        // Key and certificate each renamed into place, as a certificate manager writes them.
        TestCertificates.Pair second = ca.reissueServer(first.cert(), first.key());

        assertThat(second.serial()).isNotEqualTo(first.serial());
        assertThat(servedSerial(endpoint, ca.certFile())).isEqualTo(second.serial());
        status(established);
      } finally {
        established.shutdownNow();
      }
    }
  }

  private static void status(ManagedChannel ch) {
    MaintenanceGrpc.newBlockingStub(ch)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .status(StatusRequest.getDefaultInstance());
  }

  /** The serial of the certificate a fresh TLS handshake with the member is answered with. */
  private static BigInteger servedSerial(URI endpoint, Path caFile) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new ReloadingTrustManager(caFile)}, null);
    try (SSLSocket s =
        (SSLSocket) tls.getSocketFactory().createSocket(endpoint.getHost(), endpoint.getPort())) {
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2"});
      p.setEndpointIdentificationAlgorithm("HTTPS");
      s.setSSLParameters(p);
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }
}
