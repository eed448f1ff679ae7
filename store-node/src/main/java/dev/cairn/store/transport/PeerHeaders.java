package dev.cairn.store.transport;

import io.grpc.Metadata;

/** The metadata a peer stream carries, ids in hex as etcd writes them. */
final class PeerHeaders {
  static final Metadata.Key<String> MEMBER_ID =
      Metadata.Key.of("cairn-member-id", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> CLUSTER_ID =
      Metadata.Key.of("cairn-cluster-id", Metadata.ASCII_STRING_MARSHALLER);

  private PeerHeaders() {}

  static Metadata of(long memberId, long clusterId) {
    Metadata m = new Metadata();
    m.put(MEMBER_ID, Long.toHexString(memberId));
    m.put(CLUSTER_ID, Long.toHexString(clusterId));
    return m;
  }

  /** The id under this key, or null if absent or not hex. */
  static Long id(Metadata headers, Metadata.Key<String> key) {
    String v = headers.get(key);
    if (v == null) {
      return null;
    }
    try {
      return Long.parseUnsignedLong(v, 16);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
