package dev.cairn.store.server;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * A snapshot being read: {@code size} bytes, the last 32 of which are the SHA-256 of the rest, as
 * etcd's snapshot stream ends. Closing it releases the file behind it.
 */
public record SnapshotStream(InputStream in, long size, Closeable release) implements Closeable {
  @Override
  public void close() throws IOException {
    try {
      in.close();
    } finally {
      release.close();
    }
  }
}
