package dev.cairn.store.transport;

import com.google.protobuf.CodedOutputStream;
import dev.cairn.proto.peer.MessageBatch;
import dev.cairn.proto.peer.PeerGrpc;
import dev.cairn.proto.peer.RaftMessage;
import dev.cairn.proto.peer.StreamSummary;
import dev.cairn.store.raft.Message;
import dev.cairn.store.tls.TlsContexts;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer's bounded queue and the thread that drains it, everything queued at once, as one batch
 * on a long-lived stream. Writes wait for the stream to be ready (gRPC flow control) while the
 * queue takes up the slack; a failed or stalled stream is replaced after a backoff.
 */
final class PeerSender {
  private static final Logger log = LoggerFactory.getLogger(PeerSender.class);
  private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** A stream that takes no write for this long is dead (etcd's peer write timeout). */
  private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final long localId;
  private final long clusterId;
  private final long peerId;
  private final int maxBatchBytes;
  private final Inbound inbound;
  private final Counters counters;
  private final TlsContexts tls;
  private final ArrayBlockingQueue<Message> queue;
  private final Thread thread;
  private final AtomicBoolean overflowed = new AtomicBoolean();
  private final AtomicBoolean urlsChanged = new AtomicBoolean();
  private volatile List<URI> urls;
  private volatile boolean closed;

  // Owned by the sender thread.
  private int nextUrl;
  private ManagedChannel channel;
  private Call call;
  private long notReadySince;
  private String lastFailure;
  private long backoff = MIN_BACKOFF_NANOS;

  PeerSender(
      long localId,
      long clusterId,
      long peerId,
      List<URI> urls,
      Inbound inbound,
      Counters counters,
      PeerOptions options) {
    this.localId = localId;
    this.clusterId = clusterId;
    this.peerId = peerId;
    this.urls = List.copyOf(urls);
    this.inbound = inbound;
    this.counters = counters;
    this.maxBatchBytes = options.maxMessageBytes();
    this.tls = options.tls();
    this.queue = new ArrayBlockingQueue<>(options.queueBound());
    this.thread = new Thread(this::run, "cairn-peer-sender-" + Long.toHexString(peerId));
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues a message without blocking; when the queue is full, drops it instead. */
  void offer(Message m) {
    if (closed) {
      return;
    }
    if (!queue.offer(m)) {
      counters.messagesDropped.increment();
      overflowed.set(true); // reported from the sender thread, not the caller's
    }
    LockSupport.unpark(thread);
  }

  List<URI> urls() {
    return urls;
  }

  void updateUrls(List<URI> newUrls) {
    if (!newUrls.equals(urls)) {
      urls = List.copyOf(newUrls);
      urlsChanged.set(true);
      LockSupport.unpark(thread);
    }
  }

  /** Stops the thread and drops whatever is queued. */
  void close() {
    closed = true;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      while (!closed) {
        try {
          step();
        } catch (RuntimeException e) {
          log.error("peer sender for {} failed", Long.toHexString(peerId), e);
          disconnect();
          parkUntil(System.nanoTime() + MAX_BACKOFF_NANOS);
        } catch (OutOfMemoryError e) {
          // Out of (direct) buffers: what is queued is dropped and Raft sends it again; a dead
          // sender would leave this peer without messages from here on.
          log.error("peer sender for {} ran out of memory", Long.toHexString(peerId), e);
          disconnect();
          queue.clear();
          overflowed.set(true);
          parkUntil(System.nanoTime() + MAX_BACKOFF_NANOS);
        }
      }
    } finally {
      disconnect();
      queue.clear();
    }
  }

  private void step() {
    if (overflowed.getAndSet(false)) {
      reportUnreachable();
    }
    if (urlsChanged.getAndSet(false)) {
      disconnect();
      nextUrl = 0;
    }
    if (call == null) {
      connect();
    }
    if (call.failed()) {
      boolean lived = System.nanoTime() - call.startedAt >= MAX_BACKOFF_NANOS;
      if (lived) {
        backoff = MIN_BACKOFF_NANOS;
      }
      fail(call.status(), lived);
      parkUntil(System.nanoTime() + backoff);
      backoff = Math.min(2 * backoff, MAX_BACKOFF_NANOS);
    } else if (queue.isEmpty()) {
      LockSupport.park(this);
    } else if (call.requests.isReady()) {
      notReadySince = 0;
      write();
    } else {
      awaitReady();
    }
  }

  private void connect() {
    List<URI> u = urls;
    URI url = u.get(Math.floorMod(nextUrl, u.size()));
    channel =
        PeerChannels.builder(url, tls)
            // The callbacks only wake the sender thread, so they can run on the event loop.
            .directExecutor()
            // This class retries on its own; gRPC's retries would buffer every batch.
            .disableRetry()
            // gRPC's floor for clients; a stalled write is noticed sooner (STALL_NANOS).
            .keepAliveTime(10, TimeUnit.SECONDS)
            .keepAliveTimeout(3, TimeUnit.SECONDS)
            .keepAliveWithoutCalls(true)
            .build();
    call = new Call();
    PeerGrpc.newStub(channel)
        .withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(PeerHeaders.of(localId, clusterId)))
        .stream(call);
    notReadySince = 0;
  }

  private void disconnect() {
    if (call != null && !call.done) {
      call.requests.cancel("peer sender closing the stream", null);
    }
    call = null;
    if (channel != null) {
      channel.shutdownNow();
      channel = null;
    }
  }

  private void fail(Status status, boolean lived) {
    // One warning per kind of failure, not one per retry.
    String failure = status.getCode() + " " + status.getDescription();
    if (lived || !failure.equals(lastFailure)) {
      log.warn("stream to peer {} failed: {}", Long.toHexString(peerId), status);
    } else {
      log.debug("stream to peer {} failed again: {}", Long.toHexString(peerId), status);
    }
    lastFailure = failure;
    disconnect();
    nextUrl++;
    reportUnreachable();
  }

  private void awaitReady() {
    long now = System.nanoTime();
    if (notReadySince == 0) {
      notReadySince = now;
    }
    long left = notReadySince + STALL_NANOS - now;
    if (left <= 0) {
      call.stall();
    } else {
      LockSupport.parkNanos(this, left);
    }
  }

  /** Writes everything queued, split only where a batch would exceed the size limit. */
  /**
   * Sends one batch of what is queued, up to the batch limit. One at a time, so that the stream's
   * flow control (isReady) is asked again before the next: a backlog written out at once would sit
   * in direct buffers until the peer took it.
   */
  private void write() {
    MessageBatch.Builder batch = MessageBatch.newBuilder();
    int bytes = 0;
    for (Message m = queue.peek(); m != null; m = queue.peek()) {
      RaftMessage p = MessageCodec.encode(m);
      int size = CodedOutputStream.computeMessageSize(MessageBatch.MESSAGES_FIELD_NUMBER, p);
      if (size > maxBatchBytes) {
        queue.poll();
        log.warn("dropped {}: {} bytes is over the {} byte limit", m, size, maxBatchBytes);
        counters.messagesDropped.increment();
        overflowed.set(true);
        continue;
      }
      if (bytes + size > maxBatchBytes) {
        break;
      }
      queue.poll();
      batch.addMessages(p);
      bytes += size;
    }
    if (batch.getMessagesCount() > 0) {
      flush(batch);
    }
  }

  private void flush(MessageBatch.Builder batch) {
    MessageBatch built = batch.build();
    call.requests.onNext(built);
    counters
        .bytesSent
        .computeIfAbsent(peerId, k -> new java.util.concurrent.atomic.LongAdder())
        .add(built.getSerializedSize());
    counters.batchesSent.increment();
    counters.messagesSent.add(batch.getMessagesCount());
  }

  private void reportUnreachable() {
    try {
      inbound.unreachable(peerId);
    } catch (RuntimeException e) {
      log.error("inbound failed on unreachable {}", Long.toHexString(peerId), e);
    }
  }

  private void parkUntil(long deadline) {
    for (long left = deadline - System.nanoTime();
        left > 0 && !closed;
        left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(this, left);
    }
  }

  /** One stream; its callbacks come from gRPC threads and only record and wake. */
  private final class Call implements ClientResponseObserver<MessageBatch, StreamSummary> {
    final long startedAt = System.nanoTime();
    ClientCallStreamObserver<MessageBatch> requests;
    volatile boolean done;
    volatile Status status;
    private boolean stalled;

    @Override
    public void beforeStart(ClientCallStreamObserver<MessageBatch> requests) {
      this.requests = requests;
      requests.setOnReadyHandler(() -> LockSupport.unpark(thread));
    }

    @Override
    public void onNext(StreamSummary summary) {}

    @Override
    public void onError(Throwable t) {
      status = Status.fromThrowable(t);
      done = true;
      LockSupport.unpark(thread);
    }

    @Override
    public void onCompleted() {
      status = Status.UNAVAILABLE.withDescription("peer ended the stream");
      done = true;
      LockSupport.unpark(thread);
    }

    void stall() {
      stalled = true;
    }

    boolean failed() {
      return done || stalled;
    }

    Status status() {
      if (stalled && !done) {
        return Status.DEADLINE_EXCEEDED.withDescription("stream took no write for 5 s");
      }
      return status;
    }
  }
}
