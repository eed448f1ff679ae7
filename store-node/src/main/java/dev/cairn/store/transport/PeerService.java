package dev.cairn.store.transport;

import dev.cairn.proto.peer.MessageBatch;
import dev.cairn.proto.peer.PeerGrpc;
import dev.cairn.proto.peer.RaftMessage;
import dev.cairn.proto.peer.SnapshotAck;
import dev.cairn.proto.peer.SnapshotChunk;
import dev.cairn.proto.peer.StreamSummary;
import dev.cairn.store.raft.Message;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of peer streams: hands each message addressed to this member to Inbound, and
 * snapshots once they are stored in the snapshot directory.
 */
final class PeerService extends PeerGrpc.PeerImplBase {
  private static final Logger log = LoggerFactory.getLogger(PeerService.class);

  private final long localId;
  private final Inbound inbound;
  private final FaultFile faults;
  private final Path snapshotDir;
  final LongAdder received = new LongAdder();
  final LongAdder dropped = new LongAdder();
  final java.util.concurrent.ConcurrentHashMap<Long, LongAdder> bytesReceived =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param snapshotDir where snapshots are received, or null to refuse them
   */
  PeerService(long localId, Inbound inbound, FaultFile faults, Path snapshotDir) {
    this.localId = localId;
    this.inbound = inbound;
    this.faults = faults;
    this.snapshotDir = snapshotDir;
  }

  @Override
  public StreamObserver<SnapshotChunk> snapshot(StreamObserver<SnapshotAck> responses) {
    if (snapshotDir == null) {
      SnapshotReceiver.refuse(responses);
      return new StreamObserver<>() {
        @Override
        public void onNext(SnapshotChunk chunk) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
    return new SnapshotReceiver(
        snapshotDir, localId, ClusterIdCheck.SENDER.get(), inbound, faults, responses);
  }

  @Override
  public StreamObserver<MessageBatch> stream(StreamObserver<StreamSummary> responses) {
    long sender = ClusterIdCheck.SENDER.get();
    log.debug("peer stream from {} opened", Long.toHexString(sender));
    return new StreamObserver<>() {
      long count;

      @Override
      public void onNext(MessageBatch batch) {
        bytesReceived.computeIfAbsent(sender, k -> new LongAdder()).add(batch.getSerializedSize());
        if (faults.isolated()) {
          dropped.add(batch.getMessagesCount());
          return;
        }
        for (RaftMessage p : batch.getMessagesList()) {
          deliver(sender, p);
        }
        count += batch.getMessagesCount();
      }

      @Override
      public void onError(Throwable t) {
        log.debug("peer stream from {} ended: {}", Long.toHexString(sender), t.toString());
      }

      @Override
      public void onCompleted() {
        responses.onNext(StreamSummary.newBuilder().setMessagesReceived(count).build());
        responses.onCompleted();
      }
    };
  }

  private void deliver(long sender, RaftMessage p) {
    Message m;
    try {
      m = MessageCodec.decode(p);
    } catch (IllegalArgumentException e) {
      log.warn("dropped a message from {}: {}", Long.toHexString(sender), e.getMessage());
      dropped.increment();
      return;
    }
    if (m.to() != localId) {
      log.debug("dropped a message for {}, not this member", Long.toHexString(m.to()));
      dropped.increment();
      return;
    }
    try {
      inbound.receive(m);
      received.increment();
    } catch (RuntimeException e) {
      // The stream must outlive one bad message: Raft recovers from a lost one.
      log.error("inbound failed on {}", m, e);
      dropped.increment();
    }
  }
}
