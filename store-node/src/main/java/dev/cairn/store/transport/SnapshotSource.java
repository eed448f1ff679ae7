package dev.cairn.store.transport;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where the transport gets the state a SNAPSHOT message stands for. Called on a transport thread of
 * its own, never from {@link PeerTransport#send}, so it may take seconds.
 */
@FunctionalInterface
public interface SnapshotSource {
  /**
   * A complete snapshot file: a body followed by the SHA-256 of that body (its last 32 bytes). The
   * transport reads it once, to the end, and closes it whether or not the transfer succeeded.
   *
   * @throws IOException when no snapshot can be produced; the transfer is reported failed
   */
  Payload open() throws IOException;

  /**
   * An open snapshot file.
   *
   * @param in the file's bytes, owned by the transport from now on
   * @param size exactly how many bytes {@code in} yields, trailer included
   */
  record Payload(InputStream in, long size) implements Closeable {
    public Payload {
      if (size < 0) {
        throw new IllegalArgumentException("negative snapshot size: " + size);
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** A member that never sends snapshots: every attempt fails. */
  SnapshotSource NONE =
      () -> {
        throw new IOException("this member has no snapshots to send");
      };
}
