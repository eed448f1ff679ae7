package dev.cairn.store.transport;

import com.google.protobuf.UnsafeByteOperations;
import dev.cairn.proto.peer.PeerGrpc;
import dev.cairn.proto.peer.SnapshotAck;
import dev.cairn.proto.peer.SnapshotChunk;
import dev.cairn.store.raft.Message;
import dev.cairn.store.raft.Snapshot;
import dev.cairn.store.tls.TlsContexts;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams snapshots to peers, each on a thread and a connection of its own so that neither the
 * caller of {@code send} nor the peer's Raft stream waits for it. At most one transfer per peer is
 * in flight; each ends in exactly one {@link Inbound#snapshotSent} report. A failed transfer is not
 * resumed: Raft sends a new snapshot, which starts over.
 */
final class SnapshotSender implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SnapshotSender.class);
  private static final int MAX_CHUNK_BYTES = 1 << 20;

  /** A transfer that cannot write for this long, or waits this long for its answer, has failed. */
  private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final long localId;
  private final long clusterId;
  private final Inbound inbound;
  private final SnapshotSource source;
  private final FaultFile faults;
  private final int chunkBytes;
  private final TlsContexts tls;
  private final Map<Long, Transfer> inFlight = new ConcurrentHashMap<>();
  private final ExecutorService threads;

  SnapshotSender(
      long localId,
      long clusterId,
      Inbound inbound,
      SnapshotSource source,
      FaultFile faults,
      PeerOptions options) {
    this.localId = localId;
    this.clusterId = clusterId;
    this.inbound = inbound;
    this.source = source;
    this.faults = faults;
    // Room for the chunk's own framing under the receiver's message limit.
    this.chunkBytes = Math.min(MAX_CHUNK_BYTES, options.maxMessageBytes() / 2);
    this.tls = options.tls();
    AtomicInteger n = new AtomicInteger();
    this.threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "cairn-snapshot-sender-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts sending a SNAPSHOT message and the state it stands for to the peer at the first of its
   * URLs. Never blocks.
   *
   * @return false, and nothing is reported, when a snapshot to that peer is already in flight or
   *     the sender is closed
   */
  boolean start(Message m, List<URI> urls) {
    Transfer t = new Transfer(m, urls.get(0));
    if (inFlight.putIfAbsent(m.to(), t) != null) {
      return false;
    }
    try {
      threads.execute(t);
      return true;
    } catch (RejectedExecutionException e) {
      inFlight.remove(m.to(), t);
      return false;
    }
  }

  /** Abandons the transfer to this peer, if any; it is reported as not delivered. */
  void cancel(long peer) {
    Transfer t = inFlight.get(peer);
    if (t != null) {
      t.cancel("the peer was removed");
    }
  }

  /** Abandons every transfer. */
  @Override
  public void close() {
    threads.shutdown();
    inFlight.values().forEach(t -> t.cancel("the transport is closing"));
    threads.shutdownNow();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One snapshot to one peer, run on its own thread; gRPC callbacks only record and wake it. */
  private final class Transfer
      implements Runnable, ClientResponseObserver<SnapshotChunk, SnapshotAck> {
    private final Message message;
    private final URI url;
    private ClientCallStreamObserver<SnapshotChunk> requests;
    private boolean acked;
    private boolean done;
    private Status status;
    private String cancelled;

    Transfer(Message message, URI url) {
      this.message = message;
      this.url = url;
    }

    @Override
    public void run() {
      long peer = message.to();
      boolean delivered = false;
      long start = System.nanoTime();
      try {
        delivered = transfer();
      } catch (IOException e) {
        log.warn("snapshot to peer {} failed: {}", Long.toHexString(peer), e.getMessage());
      } catch (InterruptedException e) {
        log.warn("snapshot to peer {} abandoned: interrupted", Long.toHexString(peer));
      } catch (RuntimeException e) {
        log.error("snapshot to peer {} failed", Long.toHexString(peer), e);
      } finally {
        // Out of the way first, so that a retry prompted by the report is not dropped.
        inFlight.remove(peer, this);
      }
      if (delivered) {
        log.info(
            "sent a snapshot at index {} to peer {} in {} ms",
            message.snapshot().index(),
            Long.toHexString(peer),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      }
      try {
        inbound.snapshotSent(peer, delivered);
      } catch (RuntimeException e) {
        log.error("inbound failed on snapshotSent {}", Long.toHexString(peer), e);
      }
    }

    private boolean transfer() throws IOException, InterruptedException {
      Snapshot s = message.snapshot();
      if (faults.isolated()) {
        // Reported like any failed transfer, so that Raft tries again once healed.
        throw new IOException("member isolated by its faults file");
      }
      try (SnapshotSource.Payload payload = source.open()) {
        if (cancelledBecause() != null) {
          throw new IOException(cancelledBecause());
        }
        ManagedChannel channel =
            PeerChannels.builder(url, tls)
                // The callbacks only wake the transfer's thread.
                .directExecutor()
                // gRPC's retries would buffer the chunks.
                .disableRetry()
                .keepAliveTime(10, TimeUnit.SECONDS)
                .keepAliveTimeout(3, TimeUnit.SECONDS)
                .build();
        try {
          PeerGrpc.newStub(channel)
              .withInterceptors(
                  MetadataUtils.newAttachHeadersInterceptor(PeerHeaders.of(localId, clusterId)))
              .snapshot(this);
          Message header =
              message.withSnapshot(new Snapshot(s.index(), s.term(), s.conf(), new byte[0]));
          write(
              SnapshotChunk.newBuilder()
                  .setMessage(MessageCodec.encode(header))
                  .setSize(payload.size())
                  .build());
          long sent = 0;
          while (sent < payload.size()) {
            int n = (int) Math.min(chunkBytes, payload.size() - sent);
            byte[] data = payload.in().readNBytes(n);
            if (data.length < n) {
              throw new IOException(
                  "the snapshot ended after "
                      + (sent + data.length)
                      + " of "
                      + payload.size()
                      + " bytes");
            }
            write(
                SnapshotChunk.newBuilder().setData(UnsafeByteOperations.unsafeWrap(data)).build());
            sent += n;
          }
          requests.onCompleted();
          return awaitAnswer();
        } catch (IOException | InterruptedException | RuntimeException e) {
          if (requests != null) {
            requests.cancel("snapshot transfer failed", e);
          }
          throw e;
        } finally {
          channel.shutdownNow();
        }
      }
    }

    /** Writes once the stream can take it (gRPC flow control), or fails. */
    private void write(SnapshotChunk chunk) throws IOException, InterruptedException {
      synchronized (this) {
        long deadline = System.nanoTime() + STALL_NANOS;
        while (!done && cancelled == null && !requests.isReady()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new IOException("the stream took no write for 30 s");
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        if (cancelled != null) {
          throw new IOException(cancelled);
        }
        if (done) {
          throw new IOException(refusal());
        }
      }
      requests.onNext(chunk);
    }

    private synchronized boolean awaitAnswer() throws IOException, InterruptedException {
      long deadline = System.nanoTime() + STALL_NANOS;
      while (!done && cancelled == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IOException("no answer within 30 s of the last chunk");
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      if (cancelled != null) {
        throw new IOException(cancelled);
      }
      if (!acked || status != null) {
        throw new IOException(refusal());
      }
      return true;
    }

    private String refusal() {
      return status == null
          ? "the peer ended the stream without an answer"
          : "the peer ended the stream: " + status.getCode() + " " + status.getDescription();
    }

    synchronized void cancel(String why) {
      cancelled = why;
      notifyAll();
    }

    private synchronized String cancelledBecause() {
      return cancelled;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SnapshotChunk> requests) {
      this.requests = requests;
      requests.setOnReadyHandler(this::wake);
    }

    private synchronized void wake() {
      notifyAll();
    }

    @Override
    public synchronized void onNext(SnapshotAck ack) {
      acked = true;
    }

    @Override
    public synchronized void onError(Throwable t) {
      status = Status.fromThrowable(t);
      done = true;
      notifyAll();
    }

    @Override
    public synchronized void onCompleted() {
      done = true;
      notifyAll();
    }
  }
}
