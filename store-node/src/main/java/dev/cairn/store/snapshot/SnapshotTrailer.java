package dev.cairn.store.snapshot;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Checks the SHA-256 trailer of a snapshot stream as its bytes go by, the way etcd's client does
 * (client/v3/snapshot SaveWithVersion): the stream is a body whose length is a multiple of 512,
 * then 32 bytes of SHA-256 over that body. Since the end of the stream is only known when it ends,
 * the newest 32 bytes are held back from the digest until more arrive.
 *
 * <p>Not thread-safe: one stream, one reader.
 */
public final class SnapshotTrailer {
  private final MessageDigest sha;
  // Invariant: holds the last min(size, 32) bytes seen, which are not yet in the digest.
  private final byte[] tail = new byte[Snapshots.SHA256_BYTES];
  private int tailLength;
  private long size;

  public SnapshotTrailer() {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** Takes the next {@code len} bytes of the stream. */
  public void update(byte[] b, int off, int len) {
    size += len;
    int total = tailLength + len;
    int hashed = Math.max(0, total - Snapshots.SHA256_BYTES);
    int fromTail = Math.min(hashed, tailLength);
    sha.update(tail, 0, fromTail);
    int fromChunk = hashed - fromTail;
    sha.update(b, off, fromChunk);
    // What stays unhashed: the rest of the old tail, then the rest of the chunk.
    int keptOfTail = tailLength - fromTail;
    System.arraycopy(tail, fromTail, tail, 0, keptOfTail);
    System.arraycopy(b, off + fromChunk, tail, keptOfTail, len - fromChunk);
    tailLength = keptOfTail + len - fromChunk;
  }

  /** Bytes taken so far, trailer included. */
  public long size() {
    return size;
  }

  /**
   * Checks the stream taken so far as a whole snapshot. Call it once, at the end of the stream.
   *
   * @throws SnapshotException with etcd's message when the length leaves no room for a trailer, or
   *     when the trailer does not match the body
   */
  public void check() throws SnapshotException {
    if (size % Snapshots.BLOCK != Snapshots.SHA256_BYTES) {
      throw new SnapshotException("sha256 checksum not found [bytes: " + size + "]");
    }
    byte[] actual = sha.digest();
    if (!Arrays.equals(actual, 0, actual.length, tail, 0, tailLength)) {
      throw new SnapshotException("the snapshot received fails its SHA-256 check");
    }
  }
}
