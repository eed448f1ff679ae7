package dev.cairn.store.transport;

import dev.cairn.store.tls.TlsContexts;
import java.nio.file.Path;

/**
 * Settings shared by {@link PeerTransport} and {@link PeerServer}.
 *
 * @param queueBound messages queued for one peer; more are dropped until the queue drains
 * @param maxMessageBytes largest batch a sender writes and a server accepts; give both sides the
 *     same value
 * @param faultsFile the fault-injection file ({@link FaultFile}), or null to take it from the
 *     environment
 * @param tls the peer certificate and CA, or null for plain text: the server then serves TLS, and
 *     connections to https peer URLs present the certificate and verify the peer against the CA
 */
public record PeerOptions(int queueBound, int maxMessageBytes, Path faultsFile, TlsContexts tls) {
  public static final int DEFAULT_QUEUE_BOUND = 4096;
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;

  public PeerOptions {
    if (queueBound < 1) {
      throw new IllegalArgumentException("queueBound must be positive: " + queueBound);
    }
    if (maxMessageBytes < 1024) {
      throw new IllegalArgumentException("maxMessageBytes too small: " + maxMessageBytes);
    }
  }

  public static PeerOptions defaults() {
    return new PeerOptions(DEFAULT_QUEUE_BOUND, DEFAULT_MAX_MESSAGE_BYTES, null, null);
  }

  public PeerOptions withQueueBound(int queueBound) {
    return new PeerOptions(queueBound, maxMessageBytes, faultsFile, tls);
  }

  public PeerOptions withMaxMessageBytes(int maxMessageBytes) {
    return new PeerOptions(queueBound, maxMessageBytes, faultsFile, tls);
  }

  public PeerOptions withFaultsFile(Path faultsFile) {
    return new PeerOptions(queueBound, maxMessageBytes, faultsFile, tls);
  }

  public PeerOptions withTls(TlsContexts tls) {
    return new PeerOptions(queueBound, maxMessageBytes, faultsFile, tls);
  }
}
