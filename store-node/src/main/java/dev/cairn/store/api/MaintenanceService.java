package dev.cairn.store.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.cairn.proto.etcdserverpb.AlarmRequest;
import dev.cairn.proto.etcdserverpb.AlarmResponse;
import dev.cairn.proto.etcdserverpb.DefragmentRequest;
import dev.cairn.proto.etcdserverpb.DefragmentResponse;
import dev.cairn.proto.etcdserverpb.DowngradeInfo;
import dev.cairn.proto.etcdserverpb.DowngradeRequest;
import dev.cairn.proto.etcdserverpb.DowngradeResponse;
import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.HashRequest;
import dev.cairn.proto.etcdserverpb.HashResponse;
import dev.cairn.proto.etcdserverpb.MaintenanceGrpc;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.etcdserverpb.SnapshotRequest;
import dev.cairn.proto.etcdserverpb.SnapshotResponse;
import dev.cairn.proto.etcdserverpb.StatusRequest;
import dev.cairn.proto.etcdserverpb.StatusResponse;
import dev.cairn.store.server.RaftMaintenance;
import dev.cairn.store.server.SnapshotStream;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Maintenance service. Each call answers as etcd's does, header included or not: Status,
 * Hash, HashKV, Alarm and Downgrade fill it; Defragment, MoveLeader and Snapshot answer without.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private static final Logger log = LoggerFactory.getLogger(MaintenanceService.class);

  /** Bytes of snapshot data per message, as etcd sends them. */
  static final int SNAPSHOT_CHUNK_BYTES = 32 * 1024;

  /** Length of the SHA-256 that ends every snapshot. */
  static final int SNAPSHOT_TRAILER_BYTES = 32;

  /** The storage version etcd 3.6 reports in Status and on every snapshot message. */
  static final String STORAGE_VERSION = "3.6.0";

  /** What etcd reports as the quota when none is configured: 2 GiB. */
  static final long DEFAULT_QUOTA_BYTES = 2L * 1024 * 1024 * 1024;

  private static final String NO_LEADER = "etcdserver: no leader";

  private final RaftMaintenance maintenance;
  private final Guard guard;
  private final Headers headers;
  private final String version;

  MaintenanceService(RaftMaintenance maintenance, Headers headers, String version) {
    this(maintenance, Guard.OPEN, headers, version);
  }

  MaintenanceService(RaftMaintenance maintenance, Guard guard, Headers headers, String version) {
    this.guard = guard;
    this.maintenance = maintenance;
    this.headers = headers;
    this.version = version;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    StatusResponse s;
    try {
      guard.user();
      s = maintenance.status();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toGrpc(e));
      return;
    }
    StatusResponse.Builder b =
        s.toBuilder()
            .setHeader(headers.fill(ResponseHeader.getDefaultInstance()))
            .setVersion(version);
    if (s.getStorageVersion().isEmpty()) {
      b.setStorageVersion(STORAGE_VERSION);
    }
    if (s.getDbSizeQuota() == 0) {
      b.setDbSizeQuota(DEFAULT_QUOTA_BYTES);
    }
    if (!s.hasDowngradeInfo()) {
      b.setDowngradeInfo(DowngradeInfo.getDefaultInstance());
    }
    if (s.getLeader() == 0 && !s.getErrorsList().contains(NO_LEADER)) {
      // etcd lists the missing leader first, then the raised alarms.
      b.clearErrors().addErrors(NO_LEADER).addAllErrors(s.getErrorsList());
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void hash(HashRequest request, StreamObserver<HashResponse> out) {
    KvService.answer(
        out,
        () -> {
          guard.adminUntranslated();
          return CompletableFuture.completedFuture(maintenance.hash());
        },
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> out) {
    KvService.answer(
        out,
        () -> {
          guard.adminUntranslated();
          return CompletableFuture.completedFuture(maintenance.hashKv(request));
        },
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
    KvService.answer(
        out,
        () -> {
          // Listing alarms needs a user; raising or clearing one, the root role.
          if (request.getAction() == AlarmRequest.AlarmAction.GET) {
            guard.user();
          } else {
            guard.admin();
          }
          return maintenance.alarm(request);
        },
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> out) {
    KvService.answer(
        out,
        () -> {
          guard.adminUntranslated();
          return maintenance.defragment();
        },
        resp -> resp);
  }

  @Override
  public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> out) {
    KvService.answer(
        out,
        () -> {
          guard.adminUntranslated();
          return maintenance.moveLeader(request);
        },
        resp -> resp);
  }

  /**
   * Downgrading means handing the data to an older etcd, which cannot read what Cairn stores, so
   * every action is refused with etcd's own answer for a call this member has not the capability
   * for: FailedPrecondition "etcdserver: not capable". Clients know the message (the Go client's
   * {@code rpctypes.ErrNotCapable}), do not retry it, and etcdctl prints it as it is. The
   * downgrade-specific errors would each claim a state (a bad target version, no job in progress)
   * that a client could act on.
   */
  @Override
  public void downgrade(DowngradeRequest request, StreamObserver<DowngradeResponse> out) {
    try {
      guard.adminUntranslated();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toGrpc(e));
      return;
    }
    out.onError(GrpcErrors.toGrpc(new StoreException(StoreError.NOT_CAPABLE)));
  }

  /**
   * Streams the snapshot as etcd does: the data in messages of {@value #SNAPSHOT_CHUNK_BYTES}
   * bytes, each with the bytes of data still to come, then one message holding the 32-byte SHA-256
   * with nothing remaining. Messages are read from the file only as fast as the client takes them;
   * the snapshot is closed however the call ends.
   */
  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
    ServerCallStreamObserver<SnapshotResponse> call =
        (ServerCallStreamObserver<SnapshotResponse>) out;
    SnapshotStream snapshot;
    try {
      guard.adminUntranslated();
      snapshot = maintenance.snapshot();
    } catch (IOException | RuntimeException e) {
      out.onError(GrpcErrors.toGrpc(e));
      return;
    }
    SnapshotSender sender = new SnapshotSender(snapshot, call);
    // gRPC runs these handlers one at a time, never alongside this method.
    call.setOnCancelHandler(sender::cancelled);
    call.setOnReadyHandler(sender::send);
    sender.send();
  }

  /** Sends one snapshot while the call is ready for more. */
  private static final class SnapshotSender {
    private final SnapshotStream snapshot;
    private final ServerCallStreamObserver<SnapshotResponse> call;
    private final long dataBytes;
    private long sent;
    private boolean done;

    SnapshotSender(SnapshotStream snapshot, ServerCallStreamObserver<SnapshotResponse> call) {
      this.snapshot = snapshot;
      this.call = call;
      this.dataBytes = snapshot.size() - SNAPSHOT_TRAILER_BYTES;
    }

    void send() {
      if (done) {
        return;
      }
      try {
        if (dataBytes < 0) {
          throw new IOException("snapshot shorter than its trailer: " + snapshot.size() + " bytes");
        }
        while (call.isReady() && !done) {
          if (sent < dataBytes) {
            int n = (int) Math.min(SNAPSHOT_CHUNK_BYTES, dataBytes - sent);
            ByteString blob = read(n);
            sent += n;
            call.onNext(message(blob, dataBytes - sent));
          } else {
            ByteString sha = read(SNAPSHOT_TRAILER_BYTES);
            call.onNext(message(sha, 0));
            finish();
            call.onCompleted();
          }
        }
      } catch (IOException | RuntimeException e) {
        log.warn("snapshot stream failed after {} of {} bytes: {}", sent, dataBytes, e.toString());
        finish();
        call.onError(GrpcErrors.toGrpc(e));
      }
    }

    void cancelled() {
      if (!done) {
        log.info("snapshot stream cancelled by the client after {} of {} bytes", sent, dataBytes);
      }
      finish();
    }

    private ByteString read(int n) throws IOException {
      byte[] buf = snapshot.in().readNBytes(n);
      if (buf.length != n) {
        throw new IOException("snapshot ended early at byte " + (sent + buf.length));
      }
      return UnsafeByteOperations.unsafeWrap(buf); // a new array per message, never reused
    }

    private static SnapshotResponse message(ByteString blob, long remaining) {
      return SnapshotResponse.newBuilder()
          .setRemainingBytes(remaining)
          .setBlob(blob)
          .setVersion(STORAGE_VERSION)
          .build();
    }

    private void finish() {
      if (done) {
        return;
      }
      done = true;
      try {
        snapshot.close();
      } catch (IOException e) {
        log.warn("could not release a sent snapshot: {}", e.toString());
      }
    }
  }
}
