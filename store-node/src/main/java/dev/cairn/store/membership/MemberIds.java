package dev.cairn.store.membership;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Member and cluster ids, derived exactly as etcd derives them, so both agree on a cluster. */
public final class MemberIds {
  private MemberIds() {}

  /**
   * SHA-1 of the sorted peer URLs joined together with the cluster token; first 8 bytes. The id of
   * a member named in --initial-cluster (etcd's NewMember without a time).
   */
  public static long memberId(Collection<String> peerUrls, String clusterToken) {
    return first8(sha1(joined(peerUrls, clusterToken)));
  }

  /**
   * As {@link #memberId(Collection, String)}, with the time in decimal Unix seconds appended: the
   * id etcd gives a member added to a running cluster, where the token is empty.
   */
  public static long memberId(Collection<String> peerUrls, String clusterToken, long unixSeconds) {
    return first8(sha1(joined(peerUrls, clusterToken + unixSeconds)));
  }

  /** An id as etcd prints it: lower-case hex without leading zeros. */
  public static String hex(long id) {
    return Long.toHexString(id);
  }

  private static byte[] joined(Collection<String> peerUrls, String suffix) {
    List<String> sorted = new ArrayList<>(peerUrls);
    sorted.sort(null);
    return (String.join("", sorted) + suffix).getBytes(StandardCharsets.UTF_8);
  }

  /** SHA-1 of the sorted member ids, each as 8 big-endian bytes; first 8 bytes. */
  public static long clusterId(Collection<Long> memberIds) {
    List<Long> sorted = new ArrayList<>(memberIds);
    sorted.sort(Long::compareUnsigned);
    byte[] b = new byte[8 * sorted.size()];
    for (int i = 0; i < sorted.size(); i++) {
      long v = sorted.get(i);
      for (int j = 7; j >= 0; j--) {
        b[8 * i + j] = (byte) v;
        v >>>= 8;
      }
    }
    return first8(sha1(b));
  }

  private static byte[] sha1(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long first8(byte[] h) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (h[i] & 0xFF);
    }
    return v;
  }
}
