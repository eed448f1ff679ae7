package dev.cairn.store.transport;

import dev.cairn.store.tls.TlsContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;

/** Channels to a peer URL: TLS for https, with this member's peer certificate; else plain text. */
final class PeerChannels {
  private PeerChannels() {}

  /**
   * A builder for a channel to {@code url}.
   *
   * @param tls the peer certificate and CA, or null
   * @throws IllegalStateException for an https URL when this member has no peer TLS settings
   */
  static NettyChannelBuilder builder(URI url, TlsContexts tls) {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(url.getHost(), url.getPort());
    if (!"https".equals(url.getScheme())) {
      return b.usePlaintext();
    }
    if (tls == null) {
      throw new IllegalStateException(
          "peer URL " + url + " needs TLS, but no --peer-cert-file or --peer-trusted-ca-file");
    }
    return b.sslContext(tls.client());
  }
}
