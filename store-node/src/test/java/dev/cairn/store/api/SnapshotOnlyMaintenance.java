package dev.cairn.store.api;

import dev.cairn.proto.etcdserverpb.AlarmRequest;
import dev.cairn.proto.etcdserverpb.AlarmResponse;
import dev.cairn.proto.etcdserverpb.DefragmentResponse;
import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.HashResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.proto.etcdserverpb.StatusResponse;
import dev.cairn.store.server.RaftMaintenance;
import dev.cairn.store.server.SnapshotStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A member whose only maintenance is streaming a given file as its snapshot (claimed to be {@code
 * size} bytes long); it records how far the file was read and whether it was released. Status
 * answers an empty status; everything else fails.
 */
final class SnapshotOnlyMaintenance implements RaftMaintenance {
  private final Path file;
  private final long size;
  final AtomicLong bytesRead = new AtomicLong();
  final AtomicBoolean released = new AtomicBoolean();
  final AtomicBoolean opened = new AtomicBoolean();

  SnapshotOnlyMaintenance(Path file, long size) {
    this.file = file;
    this.size = size;
  }

  @Override
  public SnapshotStream snapshot() throws IOException {
    opened.set(true);
    InputStream counting =
        new FilterInputStream(Files.newInputStream(file)) {
          @Override
          public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
              bytesRead.incrementAndGet();
            }
            return b;
          }

          @Override
          public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
              bytesRead.addAndGet(n);
            }
            return n;
          }
        };
    return new SnapshotStream(counting, size, () -> released.set(true));
  }

  @Override
  public StatusResponse status() {
    return StatusResponse.getDefaultInstance();
  }

  @Override
  public HashResponse hash() {
    throw new UnsupportedOperationException();
  }

  @Override
  public HashKVResponse hashKv(HashKVRequest r) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<AlarmResponse> alarm(AlarmRequest r) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<DefragmentResponse> defragment() {
    return CompletableFuture.completedFuture(DefragmentResponse.getDefaultInstance());
  }

  @Override
  public CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest r) {
    throw new UnsupportedOperationException();
  }
}
