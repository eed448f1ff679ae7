package dev.cairn.store.transport;

import com.google.protobuf.ByteString;
import dev.cairn.proto.peer.SnapshotAck;
import dev.cairn.proto.peer.SnapshotChunk;
import dev.cairn.store.raft.Message;
import dev.cairn.store.raft.Snapshot;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of one snapshot stream. Writes the file to {@code <dir>/<sender>-<index>.part}
 * as it comes, checks its size and SHA-256 trailer at the end, syncs it, renames it to {@code
 * <dir>/<term>-<index>.snap} (both 16 hex digits, as etcd names its snapshots) and only then hands
 * the SNAPSHOT message to Inbound, with the file's absolute path as the snapshot's data. Anything
 * wrong fails the call and deletes the partial file; nothing a peer sends can fail the member. gRPC
 * calls it one callback at a time, on the peer server's threads.
 */
final class SnapshotReceiver implements StreamObserver<SnapshotChunk> {
  /** The largest snapshot accepted. */
  static final long MAX_BYTES = 64L << 30;

  private static final int TRAILER_BYTES = 32;
  private static final Logger log = LoggerFactory.getLogger(SnapshotReceiver.class);

  private final Path dir;
  private final long localId;
  private final long sender;
  private final Inbound inbound;
  private final FaultFile faults;
  private final StreamObserver<SnapshotAck> responses;

  private Message header;
  private long size;
  private long received;
  private Path part;
  private FileChannel out;
  private MessageDigest digest;
  // The last bytes seen, kept out of the digest until it is known they are not the trailer.
  private final byte[] tail = new byte[TRAILER_BYTES];
  private int tailLength;
  private boolean finished;

  SnapshotReceiver(
      Path dir,
      long localId,
      long sender,
      Inbound inbound,
      FaultFile faults,
      StreamObserver<SnapshotAck> responses) {
    this.dir = dir;
    this.localId = localId;
    this.sender = sender;
    this.inbound = inbound;
    this.faults = faults;
    this.responses = responses;
  }

  /** Creates the directory and deletes what transfers cut short by a crash left in it. */
  static void prepare(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, "*.part")) {
      for (Path p : leftovers) {
        log.info("deleting the unfinished snapshot {}", p);
        Files.deleteIfExists(p);
      }
    }
  }

  /** Refuses every snapshot, for a server given no directory to put them in. */
  static void refuse(StreamObserver<SnapshotAck> responses) {
    responses.onError(
        Status.UNIMPLEMENTED.withDescription("this member takes no snapshots").asException());
  }

  @Override
  public void onNext(SnapshotChunk chunk) {
    if (finished) {
      return;
    }
    try {
      if (header == null) {
        begin(chunk);
      } else if (chunk.hasMessage()) {
        throw new Refusal(Status.INVALID_ARGUMENT, "only the first chunk may carry the message");
      }
      append(chunk.getData());
    } catch (Refusal r) {
      fail(r.status);
    } catch (IOException e) {
      fail(Status.INTERNAL.withDescription("cannot write the snapshot: " + e));
    } catch (RuntimeException e) {
      log.error("receiving a snapshot from {} failed", Long.toHexString(sender), e);
      fail(Status.INTERNAL.withDescription("receiving the snapshot failed: " + e));
    }
  }

  private void begin(SnapshotChunk first) throws IOException {
    if (!first.hasMessage()) {
      throw new Refusal(Status.INVALID_ARGUMENT, "the first chunk must carry the SNAPSHOT message");
    }
    Message m;
    try {
      m = MessageCodec.decode(first.getMessage());
    } catch (IllegalArgumentException e) {
      throw new Refusal(Status.INVALID_ARGUMENT, e.getMessage());
    }
    if (m.type() != Message.Type.SNAPSHOT || m.snapshot() == null) {
      throw new Refusal(Status.INVALID_ARGUMENT, "not a SNAPSHOT message: " + m.type());
    }
    if (m.to() != localId) {
      throw new Refusal(
          Status.FAILED_PRECONDITION,
          String.format("a snapshot for member %x reached member %x", m.to(), localId));
    }
    if (faults.isolated()) {
      throw new Refusal(Status.UNAVAILABLE, "member isolated by its faults file");
    }
    size = first.getSize();
    if (size < 0 || size > MAX_BYTES) {
      throw new Refusal(
          Status.RESOURCE_EXHAUSTED,
          "snapshot of "
              + Long.toUnsignedString(size)
              + " bytes is over the "
              + MAX_BYTES
              + " byte limit");
    }
    if (size < TRAILER_BYTES) {
      throw new Refusal(Status.INVALID_ARGUMENT, "snapshot size " + size + " is too small");
    }
    long free = Files.getFileStore(dir).getUsableSpace();
    if (free < size) {
      throw new Refusal(
          Status.RESOURCE_EXHAUSTED,
          "snapshot of " + size + " bytes does not fit in the " + free + " bytes free");
    }
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Path p = dir.resolve(String.format("%x-%016x.part", sender, m.snapshot().index()));
    try {
      out = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (FileAlreadyExistsException e) {
      throw new Refusal(Status.ALREADY_EXISTS, "this snapshot is already being received");
    }
    part = p;
    header = m;
    log.info(
        "receiving a snapshot at index {} ({} bytes) from {}",
        m.snapshot().index(),
        size,
        Long.toHexString(sender));
  }

  private void append(ByteString data) throws IOException {
    int n = data.size();
    if (n == 0) {
      return;
    }
    if (n > size - received) {
      throw new Refusal(
          Status.DATA_LOSS, "the snapshot has more than the " + size + " bytes announced");
    }
    byte[] b = data.toByteArray();
    ByteBuffer buf = ByteBuffer.wrap(b);
    while (buf.hasRemaining()) {
      out.write(buf);
    }
    if (n >= TRAILER_BYTES) {
      digest.update(tail, 0, tailLength);
      digest.update(b, 0, n - TRAILER_BYTES);
      System.arraycopy(b, n - TRAILER_BYTES, tail, 0, TRAILER_BYTES);
      tailLength = TRAILER_BYTES;
    } else {
      int spill = Math.max(0, tailLength + n - TRAILER_BYTES);
      digest.update(tail, 0, spill);
      System.arraycopy(tail, spill, tail, 0, tailLength - spill);
      tailLength -= spill;
      System.arraycopy(b, 0, tail, tailLength, n);
      tailLength += n;
    }
    received += n;
  }

  @Override
  public void onCompleted() {
    if (finished) {
      return;
    }
    try {
      Path snap = finish();
      responses.onNext(SnapshotAck.newBuilder().setBytesReceived(received).build());
      responses.onCompleted();
      log.info("received a snapshot from {}: {}", Long.toHexString(sender), snap);
    } catch (Refusal r) {
      fail(r.status);
    } catch (IOException e) {
      fail(Status.INTERNAL.withDescription("cannot store the snapshot: " + e));
    } catch (RuntimeException e) {
      log.error("storing a snapshot from {} failed", Long.toHexString(sender), e);
      fail(Status.INTERNAL.withDescription("storing the snapshot failed: " + e));
    }
  }

  private Path finish() throws IOException {
    if (header == null) {
      throw new Refusal(Status.INVALID_ARGUMENT, "the stream ended before its first chunk");
    }
    if (received != size) {
      throw new Refusal(
          Status.DATA_LOSS, "the snapshot ended after " + received + " of " + size + " bytes");
    }
    if (!MessageDigest.isEqual(digest.digest(), tail)) {
      throw new Refusal(
          Status.DATA_LOSS, "snapshot checksum mismatch: the sha256 trailer is wrong");
    }
    out.force(true);
    out.close();
    out = null;
    Snapshot s = header.snapshot();
    Path snap =
        dir.resolve(String.format("%016x-%016x.snap", s.term(), s.index())).toAbsolutePath();
    Files.move(part, snap, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    part = null;
    finished = true;
    syncDirectory();
    Message m =
        header.withSnapshot(
            new Snapshot(
                s.index(), s.term(), s.conf(), snap.toString().getBytes(StandardCharsets.UTF_8)));
    try {
      inbound.receive(m);
    } catch (RuntimeException e) {
      Files.deleteIfExists(snap);
      throw e;
    }
    return snap;
  }

  /** Makes the rename durable: on Linux a directory can be opened and synced; elsewhere skip it. */
  private void syncDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      log.debug("cannot sync directory {}: {}", dir, e.toString());
    }
  }

  @Override
  public void onError(Throwable t) {
    if (finished) {
      return;
    }
    finished = true;
    log.info(
        "snapshot stream from {} broke after {} bytes: {}",
        Long.toHexString(sender),
        received,
        Status.fromThrowable(t));
    discard();
  }

  private void fail(Status status) {
    finished = true;
    log.warn("refused a snapshot from {}: {}", Long.toHexString(sender), status);
    discard();
    try {
      responses.onError(status.asException());
    } catch (RuntimeException e) {
      log.debug("snapshot stream from {} already gone: {}", Long.toHexString(sender), e.toString());
    }
  }

  private void discard() {
    try {
      if (out != null) {
        out.close();
        out = null;
      }
      if (part != null) {
        Files.deleteIfExists(part);
        part = null;
      }
    } catch (IOException e) {
      log.warn("cannot delete the unfinished snapshot {}: {}", part, e.toString());
    }
  }

  /** A reason to refuse the snapshot, as the status to answer. */
  private static final class Refusal extends RuntimeException {
    final Status status;

    Refusal(Status code, String why) {
      super(why, null, false, false);
      this.status = code.withDescription(why);
    }
  }
}
