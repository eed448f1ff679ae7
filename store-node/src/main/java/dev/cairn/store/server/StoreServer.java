package dev.cairn.store.server;

import dev.cairn.proto.etcdserverpb.CompactionRequest;
import dev.cairn.proto.etcdserverpb.CompactionResponse;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeResponse;
import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantResponse;
import dev.cairn.proto.etcdserverpb.LeaseLeasesResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import dev.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import dev.cairn.proto.etcdserverpb.LeaseStatus;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.PutResponse;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.proto.internal.InternalRaftRequest;
import dev.cairn.store.apply.Applied;
import dev.cairn.store.apply.Applier;
import dev.cairn.store.apply.ApplyResult;
import dev.cairn.store.apply.Committed;
import dev.cairn.store.apply.KvExecutor;
import dev.cairn.store.lease.Lease;
import dev.cairn.store.lease.Lessor;
import dev.cairn.store.mvcc.MvccStore;
import dev.cairn.store.raft.Entry;
import dev.cairn.store.raft.HardState;
import dev.cairn.store.raft.RaftNode;
import dev.cairn.store.raft.Ready;
import dev.cairn.store.raftlog.RaftLog;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.support.IdGenerator;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import dev.cairn.store.watch.WatchableStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's write path and read path.
 *
 * <p>Write path: a request is encoded and queued for the raft thread, which appends it to the Raft
 * node and hands new entries to the log writer. The log writer drains everything queued and writes
 * it in one transaction with one fsync (group commit without timers: what arrives during an fsync
 * rides in the next). Once durable, entries commit and go to the apply thread, which applies
 * everything queued in one MVCC transaction and completes the callers' futures.
 *
 * <p>Threads: raft, log writer, apply. Storage threads are never interrupted (Xodus closes its file
 * channel on interrupt); they stop on a poison pill.
 */
public final class StoreServer implements RaftKv, RaftLease, MemberStatus, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreServer.class);

  /** etcd refuses proposals when apply lags commit by more than this. */
  static final long MAX_APPLY_GAP = 5000;

  private final ServerOptions options;
  private final Backend raftBackend;
  private final Backend mvccBackend;
  private final RaftLog raftLog;
  private final MvccStore store;
  private final KvExecutor kv;
  private final Applier applier;
  private final Lessor lessor;
  private final WatchableStore watchable;
  private final RaftNode node;

  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private final BlockingQueue<Object> logQueue = new LinkedBlockingQueue<>();
  private final BlockingQueue<Object> applyQueue = new LinkedBlockingQueue<>();
  private final ConcurrentHashMap<Long, Pending> waits = new ConcurrentHashMap<>();
  private final IdGenerator ids;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final long startIndex;

  private volatile long term;
  private volatile long committedIndex;
  private volatile boolean running = true;
  private final List<Thread> threads = new ArrayList<>();
  private final ScheduledExecutorService sweeper =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "proposal-timeouts");
            t.setDaemon(true);
            return t;
          });

  private record Proposal(long id, byte[] data) {}

  private record Persisted(long index, long term) {}

  private record LogWrite(List<Entry> entries, HardState hardState) {}

  private static final Object STOP = new Object();

  public StoreServer(
      Backend raftBackend, Backend mvccBackend, Lessor lessor, ServerOptions options) {
    this.options = options;
    this.raftBackend = raftBackend;
    this.mvccBackend = mvccBackend;
    this.lessor = lessor;
    this.raftLog = RaftLog.open(raftBackend);
    this.store = MvccStore.open(mvccBackend, new LessorKeyLeases(lessor));
    store.storedLeases().forEach(lessor::restore);
    store.attachLiveKeys();
    this.kv = new KvExecutor(lessor::exists);
    this.applier = new Applier(store, kv, lessor);
    this.watchable = new WatchableStore(store);
    // Request ids must never repeat an id still in the log, so they start from the clock.
    this.ids = new IdGenerator(options.memberId(), System.currentTimeMillis());

    if (raftLog.isEmpty()) {
      // A new member's log starts with its configuration at term 1, as etcd's does.
      raftLog.append(
          List.of(new Entry(1, 1, Entry.Type.CONF_CHANGE, new byte[0])), new HardState(1, 0, 0));
    }
    long applied = store.appliedIndex();
    if (applied > raftLog.lastIndex()) {
      throw new IllegalStateException(
          "the MVCC store has applied index "
              + applied
              + " beyond the raft log's last index "
              + raftLog.lastIndex());
    }
    List<Entry> unapplied =
        raftLog.entries(Math.max(applied + 1, raftLog.firstIndex()), raftLog.lastIndex());
    this.node =
        new RaftNode(
            options.memberId(),
            raftLog.hardState(),
            applied,
            unapplied,
            raftLog.lastIndex(),
            raftLog.lastTerm());
    node.campaign();
    this.term = node.term();
    this.startIndex = node.lastIndex();
    log.info(
        "member {} starting: term {}, log {}..{}, applied {}, revision {}",
        Long.toHexString(options.memberId()),
        node.term(),
        raftLog.firstIndex(),
        raftLog.lastIndex(),
        applied,
        store.currentRevision());
  }

  /** Starts the threads and waits until everything in the log at start is applied. */
  public void start() throws InterruptedException {
    startThread("raft", this::raftLoop);
    startThread("log-writer", this::logWriterLoop);
    startThread("apply", this::applyLoop);
    sweeper.scheduleWithFixedDelay(this::expireProposals, 100, 100, TimeUnit.MILLISECONDS);
    sweeper.scheduleWithFixedDelay(this::revokeExpiredLeases, 500, 500, TimeUnit.MILLISECONDS);
    long progress = options.watchProgressInterval().toMillis();
    sweeper.scheduleWithFixedDelay(
        watchable::progressRound, progress, progress, TimeUnit.MILLISECONDS);
    inbox.add(Boolean.TRUE); // wake the raft thread to emit the first Ready
    caughtUp.await();
    // The new leader expires leases; each gets its full TTL plus an election timeout from now,
    // counted from when the member can serve, so clients have time to renew.
    lessor.promote(options.electionTimeout().toNanos());
  }

  private void startThread(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(false);
    threads.add(t);
    t.start();
  }

  // ---- raft thread ----

  private void raftLoop() {
    List<Object> batch = new ArrayList<>();
    try {
      while (running) {
        batch.add(inbox.take());
        inbox.drainTo(batch);
        for (Object ev : batch) {
          if (ev instanceof Proposal p) {
            try {
              node.propose(p.data());
            } catch (RuntimeException e) {
              fail(p.id(), new StoreException(StoreError.NO_LEADER));
            }
          } else if (ev instanceof Persisted p) {
            node.persisted(p.index(), p.term());
          } else if (ev == STOP) {
            return;
          }
        }
        batch.clear();
        if (node.hasReady()) {
          Ready rd = node.ready();
          if (!rd.entries().isEmpty() || rd.hardState() != null) {
            logQueue.add(new LogWrite(rd.entries(), rd.hardState()));
          }
          if (!rd.committed().isEmpty()) {
            applyQueue.add(rd.committed());
          }
          node.advance(rd);
          committedIndex = node.committed();
          term = node.term();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- log writer thread ----

  private void logWriterLoop() {
    List<Object> batch = new ArrayList<>();
    List<Entry> entries = new ArrayList<>();
    while (true) {
      try {
        batch.add(logQueue.take());
      } catch (InterruptedException e) {
        continue; // never leave with writes pending; STOP ends this loop
      }
      logQueue.drainTo(batch);
      HardState hs = null;
      boolean stop = false;
      for (Object o : batch) {
        if (o == STOP) {
          stop = true;
        } else {
          LogWrite w = (LogWrite) o;
          entries.addAll(w.entries());
          if (w.hardState() != null) {
            hs = w.hardState();
          }
        }
      }
      batch.clear();
      if (!entries.isEmpty() || hs != null) {
        raftLog.append(entries, hs);
        if (!entries.isEmpty()) {
          Entry last = entries.get(entries.size() - 1);
          inbox.add(new Persisted(last.index(), last.term()));
        }
        entries.clear();
      }
      if (stop) {
        return;
      }
    }
  }

  // ---- apply thread ----

  private void applyLoop() {
    List<Object> batch = new ArrayList<>();
    List<Committed> entries = new ArrayList<>();
    long lastSync = System.nanoTime();
    boolean dirty = false;
    while (true) {
      Object first;
      try {
        first = applyQueue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        continue;
      }
      boolean stop = false;
      if (first != null) {
        batch.add(first);
        applyQueue.drainTo(batch);
        for (Object o : batch) {
          if (o == STOP) {
            stop = true;
            continue;
          }
          @SuppressWarnings("unchecked")
          List<Entry> list = (List<Entry>) o;
          for (Entry e : list) {
            entries.add(
                new Committed(
                    e.index(), e.term(), e.type() == Entry.Type.NORMAL ? e.data() : new byte[0]));
          }
        }
        batch.clear();
      }
      if (!entries.isEmpty()) {
        ApplyResult result = applier.apply(entries);
        watchable.notify(result.events());
        long lastApplied = entries.get(entries.size() - 1).index();
        entries.clear();
        dirty = true;
        for (Applied a : result.outcomes()) {
          Pending p = waits.remove(a.requestId());
          if (p != null) {
            p.complete(a.result());
          }
        }
        if (lastApplied >= startIndex) {
          caughtUp.countDown();
        }
      }
      // The log is the durability point; syncing the store only bounds the replay after a crash.
      if (dirty && System.nanoTime() - lastSync > TimeUnit.MILLISECONDS.toNanos(100)) {
        mvccBackend.sync();
        lastSync = System.nanoTime();
        dirty = false;
      }
      if (stop) {
        return;
      }
    }
  }

  // ---- proposals ----

  private CompletableFuture<Object> propose(InternalRaftRequest.Builder req) {
    if (!running) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.STOPPED));
    }
    long id = ids.next();
    byte[] data =
        req.setHeader(dev.cairn.proto.internal.RequestHeader.newBuilder().setId(id))
            .build()
            .toByteArray();
    if (data.length > options.maxRequestBytes()) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.REQUEST_TOO_LARGE));
    }
    if (committedIndex - store.appliedIndex() > MAX_APPLY_GAP) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.TOO_MANY_REQUESTS));
    }
    Pending p = new Pending(System.nanoTime() + options.requestTimeout().toNanos());
    waits.put(id, p);
    inbox.add(new Proposal(id, data));
    return p;
  }

  /** A proposal's outcome, with the time after which its caller is told it timed out. */
  private static final class Pending extends CompletableFuture<Object> {
    final long deadlineNanos;

    Pending(long deadlineNanos) {
      this.deadlineNanos = deadlineNanos;
    }
  }

  /** Proposes the revoke of expired leases, at most etcd's 1000 a second. */
  private void revokeExpiredLeases() {
    for (long id : lessor.expired(500)) {
      revoke(LeaseRevokeRequest.newBuilder().setID(id).build())
          .whenComplete(
              (r, e) -> {
                if (e == null) {
                  log.debug("revoked expired lease {}", Long.toHexString(id));
                }
              });
    }
  }

  /** Fails the proposals past their deadline; one sweep for all instead of a timer each. */
  private void expireProposals() {
    long now = System.nanoTime();
    for (var e : waits.entrySet()) {
      if (now - e.getValue().deadlineNanos > 0 && waits.remove(e.getKey(), e.getValue())) {
        e.getValue().complete(new StoreException(StoreError.TIMEOUT));
      }
    }
  }

  private void fail(long id, StoreException e) {
    Pending p = waits.remove(id);
    if (p != null) {
      p.complete(e);
    }
  }

  /** Turns an applied outcome into the typed response, or a failed future. */
  private static <T> Function<Object, CompletableFuture<T>> outcome(Class<T> type) {
    return r -> {
      if (r instanceof StoreException e) {
        return CompletableFuture.failedFuture(e);
      }
      return CompletableFuture.completedFuture(type.cast(r));
    };
  }

  private <T> CompletableFuture<T> read(java.util.function.Supplier<T> body) {
    try {
      return CompletableFuture.completedFuture(body.get());
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  // ---- RaftKv ----

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest r) {
    // With one voter, the applied state already holds every acknowledged write.
    return read(() -> store.read(v -> kv.range(v, r)));
  }

  @Override
  public CompletableFuture<PutResponse> put(PutRequest r) {
    return propose(InternalRaftRequest.newBuilder().setPut(r))
        .thenCompose(outcome(PutResponse.class));
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
    return propose(InternalRaftRequest.newBuilder().setDeleteRange(r))
        .thenCompose(outcome(DeleteRangeResponse.class));
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest r) {
    if (KvExecutor.isReadOnly(r)) {
      return read(() -> store.read(v -> kv.readOnlyTxn(v, r)));
    }
    return propose(InternalRaftRequest.newBuilder().setTxn(r))
        .thenCompose(outcome(TxnResponse.class));
  }

  @Override
  public CompletableFuture<CompactionResponse> compact(CompactionRequest r) {
    return propose(InternalRaftRequest.newBuilder().setCompaction(r))
        .thenCompose(outcome(CompactionResponse.class));
  }

  // ---- RaftLease ----

  @Override
  public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest r) {
    if (r.getTTL() > Lessor.MAX_TTL) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.LEASE_TTL_TOO_LARGE));
    }
    LeaseGrantRequest.Builder b = r.toBuilder();
    while (b.getID() == 0) {
      b.setID(ids.next() & Long.MAX_VALUE); // only positive ids, as etcd
    }
    return propose(InternalRaftRequest.newBuilder().setLeaseGrant(b))
        .thenCompose(outcome(LeaseGrantResponse.class));
  }

  @Override
  public CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest r) {
    return propose(InternalRaftRequest.newBuilder().setLeaseRevoke(r))
        .thenCompose(outcome(LeaseRevokeResponse.class));
  }

  @Override
  public long renew(long id) {
    long ttl = lessor.renew(id);
    return ttl < 0 ? 0 : ttl;
  }

  @Override
  public LeaseTimeToLiveResponse timeToLive(LeaseTimeToLiveRequest r) {
    LeaseTimeToLiveResponse.Builder resp =
        LeaseTimeToLiveResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(store.currentRevision()))
            .setID(r.getID());
    Lease l = lessor.lookup(r.getID());
    if (l == null) {
      return resp.setTTL(-1).build();
    }
    resp.setTTL(l.remainingSeconds(lessor.now())).setGrantedTTL(l.ttl());
    if (r.getKeys()) {
      for (byte[] k : l.keys()) {
        resp.addKeys(com.google.protobuf.ByteString.copyFrom(k));
      }
    }
    return resp.build();
  }

  @Override
  public LeaseLeasesResponse leases() {
    LeaseLeasesResponse.Builder resp =
        LeaseLeasesResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(store.currentRevision()));
    for (Lease l : lessor.leases()) {
      resp.addLeases(LeaseStatus.newBuilder().setID(l.id()));
    }
    return resp.build();
  }

  // ---- MemberStatus ----

  @Override
  public long clusterId() {
    return options.clusterId();
  }

  @Override
  public long memberId() {
    return options.memberId();
  }

  @Override
  public long raftTerm() {
    return term;
  }

  @Override
  public long currentRevision() {
    return store.currentRevision();
  }

  /** The watchers of this member's key space. */
  public WatchableStore watchable() {
    return watchable;
  }

  /** Number of keys that exist now. */
  public int keyCount() {
    return store.keyCount();
  }

  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    inbox.add(STOP);
    joinThread(0);
    logQueue.add(STOP);
    joinThread(1);
    applyQueue.add(STOP);
    joinThread(2);
    sweeper.shutdownNow();
    watchable.close();
    for (Pending p : waits.values()) {
      p.complete(new StoreException(StoreError.STOPPED));
    }
    mvccBackend.close();
    raftBackend.close();
  }

  private void joinThread(int i) {
    if (i >= threads.size()) {
      return;
    }
    try {
      threads.get(i).join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
