package dev.cairn.backup.snapshot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/** Where snapshots come from: one member of a cluster, streaming its whole key space. */
public interface SnapshotSource {
  /**
   * Streams a snapshot into {@code file} (created or replaced), checks its SHA-256 trailer as the
   * bytes arrive, and syncs the file.
   *
   * @param progress told the bytes received so far, after each chunk, on the receiving thread
   * @throws IOException when no member can be used, the stream breaks, or the trailer does not
   *     match; {@code file} then holds no snapshot to trust
   */
  FetchedSnapshot fetch(Path file, LongConsumer progress) throws IOException;

  /**
   * A snapshot that arrived whole.
   *
   * @param size bytes, the trailer included
   * @param sha256 lower-case hex SHA-256 of the whole file
   * @param endpoint the member's client URL it was streamed from
   * @param revision the highest revision in the snapshot
   */
  record FetchedSnapshot(
      Path file,
      long size,
      String sha256,
      long clusterId,
      long memberId,
      String endpoint,
      String storeVersion,
      long revision) {}
}
