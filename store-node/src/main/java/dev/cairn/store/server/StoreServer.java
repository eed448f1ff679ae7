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
import dev.cairn.store.membership.Member;
import dev.cairn.store.mvcc.MvccStore;
import dev.cairn.store.raft.ConfChange;
import dev.cairn.store.raft.ConfState;
import dev.cairn.store.raft.Entry;
import dev.cairn.store.raft.HardState;
import dev.cairn.store.raft.Message;
import dev.cairn.store.raft.NotLeaderException;
import dev.cairn.store.raft.RaftConfig;
import dev.cairn.store.raft.RaftNode;
import dev.cairn.store.raft.ReadState;
import dev.cairn.store.raft.Ready;
import dev.cairn.store.raft.SoftState;
import dev.cairn.store.raftlog.LogCache;
import dev.cairn.store.raftlog.RaftLog;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.support.IdGenerator;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import dev.cairn.store.watch.WatchableStore;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's write path and read path.
 *
 * <p>Write path: a request is encoded and queued for the raft thread, which proposes it to the Raft
 * node (a follower's node forwards it to the leader). The raft thread sends the leader's appends to
 * the followers at once and hands new entries to the log writer, which drains everything queued and
 * writes it in one transaction with one fsync (group commit without timers: what arrives during an
 * fsync rides in the next); only then do acknowledgements leave. Committed entries go to the apply
 * thread, which applies everything queued in one MVCC transaction and completes the callers'
 * futures on the member that proposed them.
 *
 * <p>Read path: a linearizable read waits for a ReadIndex round (one for every read that arrived
 * while the previous round was out) and for the state machine to reach that index; a serializable
 * read is served from the local state at once.
 *
 * <p>Threads: raft, log writer, apply, and a timer for ticks and sweeps. Storage threads are never
 * interrupted (Xodus closes its file channel on interrupt); they stop on a poison pill.
 */
public final class StoreServer implements RaftKv, RaftLease, MemberStatus, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreServer.class);

  /** etcd refuses proposals when apply lags commit by more than this. */
  static final long MAX_APPLY_GAP = 5000;

  /** Bytes of committed entries handed to the apply thread at once. */
  private static final long MAX_APPLY_BATCH_BYTES = 64L << 20;

  /** Stored entries kept in memory for followers that are a little behind. */
  private static final int LOG_CACHE_ENTRIES = 16384;

  private final ServerOptions options;
  private final Backend raftBackend;
  private final Backend mvccBackend;
  private final RaftLog raftLog;
  private final LogCache logCache;
  private final MvccStore store;
  private final KvExecutor kv;
  private final Applier applier;
  private final Lessor lessor;
  private final WatchableStore watchable;
  private final RaftNode node;
  private final Peers peers;
  private final Members members;

  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private final BlockingQueue<Object> logQueue = new LinkedBlockingQueue<>();
  private final BlockingQueue<Object> applyQueue = new LinkedBlockingQueue<>();
  private final ConcurrentHashMap<Long, Pending> waits = new ConcurrentHashMap<>();
  private final IdGenerator ids;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final long startCommit;

  // Linearizable reads: queued by callers, batched by the raft thread.
  private final ConcurrentLinkedQueue<CompletableFuture<Void>> readRequests =
      new ConcurrentLinkedQueue<>();
  private final AtomicBoolean readWakePosted = new AtomicBoolean();
  private final AppliedWaiters appliedWaiters;
  private final ExecutorService readers;
  private ReadBatch inflightRead;
  private long readSeq;
  private final long readNonce = new SplittableRandom().nextLong();

  /** Proposals that arrived while no leader was known; sent when one is. */
  private final ArrayDeque<Proposal> awaitingLeader = new ArrayDeque<>();

  /** The last configuration change in the log, and the last applied; raft thread only. */
  private long lastConfIndexInLog;

  private long lastConfApplied;

  /** Counts changes of leader; raft thread only. */
  private long leaderEpoch = 1;

  private volatile long term;
  private volatile long leader;
  private volatile long committedIndex;
  private volatile boolean running = true;
  private final List<Thread> threads = new ArrayList<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "raft-timer");
            t.setDaemon(true);
            return t;
          });

  private record Proposal(long id, byte[] data) {}

  private record Persisted(long index, long term) {}

  private record Inbound(Message message) {}

  private record Unreachable(long peer) {}

  private record ConfApplied(long index, ConfChange change) {}

  private record LogWrite(List<Entry> entries, HardState hardState, List<Message> afterPersist) {}

  /** Linearizable reads that wait on one ReadIndex round. */
  private static final class ReadBatch {
    final List<CompletableFuture<Void>> futures;
    final long firstNanos;
    byte[] context;
    long issuedNanos;

    ReadBatch(List<CompletableFuture<Void>> futures, long firstNanos) {
      this.futures = futures;
      this.firstNanos = firstNanos;
    }
  }

  private static final Object STOP = new Object();
  private static final Object TICK = new Object();
  private static final Object READ_WAKE = new Object();

  /**
   * Opens the member's state. A new log starts with one configuration entry per initial member at
   * term 1, all committed, as etcd's does.
   *
   * @param initialMembers the members a new cluster starts with; ignored when the log exists
   */
  public StoreServer(
      Backend raftBackend,
      Backend mvccBackend,
      Lessor lessor,
      ServerOptions options,
      List<Member> initialMembers,
      Peers peers) {
    this.options = options;
    this.raftBackend = raftBackend;
    this.mvccBackend = mvccBackend;
    this.lessor = lessor;
    this.peers = peers;
    this.raftLog = RaftLog.open(raftBackend);
    this.store = MvccStore.open(mvccBackend, new LessorKeyLeases(lessor));
    store.storedLeases().forEach(lessor::restore);
    store.attachLiveKeys();
    this.kv = new KvExecutor(lessor::exists);
    this.applier = new Applier(store, kv, lessor);
    this.watchable = new WatchableStore(store);
    this.appliedWaiters = new AppliedWaiters(store::appliedIndex);
    // Request ids must never repeat an id still in the log, so they start from the clock.
    this.ids = new IdGenerator(options.memberId(), System.currentTimeMillis());

    if (raftLog.isEmpty()) {
      List<Entry> boot = new ArrayList<>();
      for (Member m : initialMembers) {
        ConfChange cc =
            new ConfChange(
                m.isLearner() ? ConfChange.Type.ADD_LEARNER : ConfChange.Type.ADD_NODE,
                m.id(),
                m.toProto().toByteArray());
        boot.add(new Entry(boot.size() + 1, 1, Entry.Type.CONF_CHANGE, cc.encode()));
      }
      raftLog.append(boot, new HardState(1, 0, boot.size()));
    }
    long applied = store.appliedIndex();
    if (applied > raftLog.lastIndex()) {
      throw new IllegalStateException(
          "the MVCC store has applied index "
              + applied
              + " beyond the raft log's last index "
              + raftLog.lastIndex());
    }
    this.members = new Members(options.memberId(), store.storedMembers());
    this.lastConfApplied = applied;
    for (Entry e : raftLog.entries(applied + 1, raftLog.lastIndex())) {
      if (e.type() == Entry.Type.CONF_CHANGE) {
        lastConfIndexInLog = e.index();
      }
    }
    members.all().forEach(this::connect);
    this.logCache = new LogCache(raftLog, LOG_CACHE_ENTRIES);
    int electionTicks =
        (int)
            Math.max(
                2, options.electionTimeout().toMillis() / options.heartbeatInterval().toMillis());
    RaftConfig raftConfig =
        new RaftConfig(options.memberId(), electionTicks, 1, 1 << 20, 512, true, true);
    this.node =
        new RaftNode(
            raftConfig,
            logCache,
            raftLog.hardState(),
            members.confState(),
            applied,
            new SplittableRandom(System.nanoTime() ^ options.memberId()));
    this.term = node.term();
    this.startCommit = node.committed();
    this.readers =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            r -> {
              Thread t = new Thread(r, "linearizable-read");
              t.setDaemon(true);
              return t;
            });
    log.info(
        "member {} starting: term {}, log {}..{}, commit {}, applied {}, revision {}, members {}",
        Long.toHexString(options.memberId()),
        node.term(),
        raftLog.firstIndex(),
        raftLog.lastIndex(),
        node.committed(),
        applied,
        store.currentRevision(),
        members);
  }

  private void connect(Member m) {
    if (m.id() != options.memberId()) {
      peers.setPeer(m.id(), m.peerUrls().stream().map(URI::create).toList());
    }
  }

  /** Starts the threads and waits until everything known committed at start is applied. */
  public void start() throws InterruptedException {
    startThread("raft", this::raftLoop);
    startThread("log-writer", this::logWriterLoop);
    startThread("apply", this::applyLoop);
    long tick = options.heartbeatInterval().toMillis();
    timer.scheduleWithFixedDelay(() -> inbox.add(TICK), tick, tick, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::expireProposals, 100, 100, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::revokeExpiredLeases, 500, 500, TimeUnit.MILLISECONDS);
    long progress = options.watchProgressInterval().toMillis();
    timer.scheduleWithFixedDelay(
        watchable::progressRound, progress, progress, TimeUnit.MILLISECONDS);
    inbox.add(Boolean.TRUE); // wake the raft thread to emit the first Ready
    caughtUp.await();
  }

  private void startThread(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(false);
    threads.add(t);
    t.start();
  }

  /** Delivers a message from a peer; called by the transport. */
  public void receive(Message m) {
    inbox.add(new Inbound(m));
  }

  /** A peer could not be reached; called by the transport. */
  public void unreachable(long peer) {
    inbox.add(new Unreachable(peer));
  }

  // ---- raft thread ----

  private void raftLoop() {
    List<Object> batch = new ArrayList<>();
    campaignIfAlone();
    try {
      while (running) {
        batch.add(inbox.take());
        inbox.drainTo(batch);
        for (Object ev : batch) {
          try {
            if (ev == STOP) {
              return;
            }
            handle(ev);
          } catch (RuntimeException e) {
            // Peer input must never stop the member.
            log.error("raft event {} failed", ev, e);
          }
        }
        batch.clear();
        processReady();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void handle(Object ev) {
    if (ev instanceof Proposal p) {
      propose(p);
    } else if (ev instanceof Inbound in) {
      node.step(in.message());
    } else if (ev instanceof Persisted p) {
      node.persisted(p.index(), p.term());
    } else if (ev == TICK) {
      node.tick();
      checkInflightRead();
    } else if (ev == READ_WAKE) {
      readWakePosted.set(false);
    } else if (ev instanceof Unreachable u) {
      node.reportUnreachable(u.peer());
    } else if (ev instanceof ConfApplied c) {
      node.applyConfChange(c.index(), c.change());
      lastConfApplied = c.index();
      campaignIfAlone();
    }
  }

  /**
   * A single voter needs no election timeout to know it wins; but only once the configuration is
   * final, since the log may yet add voters (a new cluster's first entries add one at a time).
   */
  private void campaignIfAlone() {
    ConfState conf = node.confState();
    if (conf.voters().equals(Set.of(options.memberId()))
        && node.role() != RaftNode.Role.LEADER
        && lastConfIndexInLog <= lastConfApplied) {
      node.campaign();
    }
  }

  private void propose(Proposal p) {
    Pending w = waits.get(p.id());
    if (w == null) {
      return; // timed out while waiting for a leader
    }
    try {
      node.propose(p.data());
      w.leaderEpoch = leaderEpoch;
    } catch (NotLeaderException e) {
      awaitingLeader.add(p);
    }
  }

  /**
   * Tells the callers of proposals made under the previous leader that the outcome is unknown, at
   * once instead of after the request timeout: the leader they went to may have died with them.
   */
  private void failProposalsOfEpoch(long epoch) {
    StoreException changed = new StoreException(StoreError.LEADER_CHANGED);
    for (var e : waits.entrySet()) {
      Pending p = e.getValue();
      if (p.leaderEpoch == epoch && waits.remove(e.getKey(), p)) {
        p.complete(changed);
      }
    }
  }

  private void processReady() {
    while (node.hasReady()) {
      Ready rd = node.ready(MAX_APPLY_BATCH_BYTES);
      if (rd.softState() != null) {
        onSoftState(rd.softState());
      }
      if (!rd.messages().isEmpty()) {
        peers.send(rd.messages());
      }
      for (Entry e : rd.entries()) {
        if (e.type() == Entry.Type.CONF_CHANGE) {
          lastConfIndexInLog = Math.max(lastConfIndexInLog, e.index());
        }
      }
      if (rd.needsWrite()) {
        logQueue.add(new LogWrite(rd.entries(), rd.hardState(), rd.messagesAfterPersist()));
      }
      if (!rd.committed().isEmpty()) {
        applyQueue.add(rd.committed());
      }
      for (ReadState rs : rd.readStates()) {
        onReadState(rs);
      }
      committedIndex = node.committed();
      term = node.term();
    }
    issueReadIfIdle();
  }

  private void onSoftState(SoftState ss) {
    long previous = leader;
    leader = ss.leader();
    if (ss.role() == RaftNode.Role.LEADER && !lessor.isPrimary()) {
      // Each lease gets its full TTL plus an election timeout from now, so clients that were
      // renewing with the old leader have time to find this one.
      lessor.promote(options.electionTimeout().toNanos());
    } else if (ss.role() != RaftNode.Role.LEADER && lessor.isPrimary()) {
      lessor.demote();
    }
    if (ss.leader() != previous && previous != 0) {
      failProposalsOfEpoch(leaderEpoch);
    }
    if (ss.leader() != previous) {
      leaderEpoch++;
      log.info(
          "member {} sees leader {} at term {}",
          Long.toHexString(options.memberId()),
          Long.toHexString(ss.leader()),
          node.term());
    }
    if (ss.leader() != 0) {
      List<Proposal> waiting = new ArrayList<>(awaitingLeader);
      awaitingLeader.clear();
      waiting.forEach(this::propose); // those still refused wait again
      if (ss.leader() != previous && inflightRead != null) {
        issueRead(inflightRead); // the old leader may never answer
      }
    }
  }

  // ---- linearizable reads (raft thread) ----

  private void issueReadIfIdle() {
    if (inflightRead != null || readRequests.isEmpty()) {
      return;
    }
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (CompletableFuture<Void> f; (f = readRequests.poll()) != null; ) {
      futures.add(f);
    }
    inflightRead = new ReadBatch(futures, System.nanoTime());
    issueRead(inflightRead);
  }

  private void issueRead(ReadBatch b) {
    // The nonce keeps a restarted member from taking an answer meant for its previous life.
    b.context =
        ByteBuffer.allocate(24)
            .putLong(options.memberId())
            .putLong(readNonce)
            .putLong(++readSeq)
            .array();
    b.issuedNanos = System.nanoTime();
    try {
      node.readIndex(b.context);
    } catch (NotLeaderException e) {
      // Retried when a leader appears, or on the next tick.
    }
  }

  private void onReadState(ReadState rs) {
    ReadBatch b = inflightRead;
    if (b == null || !Arrays.equals(rs.context(), b.context)) {
      return; // the answer to a round given up on
    }
    inflightRead = null;
    appliedWaiters.await(rs.index(), b.futures);
  }

  private void checkInflightRead() {
    ReadBatch b = inflightRead;
    if (b == null) {
      return;
    }
    long now = System.nanoTime();
    if (now - b.firstNanos > options.requestTimeout().toNanos()) {
      inflightRead = null;
      StoreException timeout = new StoreException(StoreError.TIMEOUT);
      b.futures.forEach(f -> f.completeExceptionally(timeout));
    } else if (now - b.issuedNanos > readRetryNanos()) {
      issueRead(b); // lost on the way, or no leader then
    }
  }

  private long readRetryNanos() {
    return Math.max(TimeUnit.MILLISECONDS.toNanos(500), options.heartbeatInterval().toNanos() * 5);
  }

  /** Completes once this member's state holds every write acknowledged before the call. */
  private CompletableFuture<Void> linearizableBarrier() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    readRequests.add(f);
    if (readWakePosted.compareAndSet(false, true)) {
      inbox.add(READ_WAKE);
    }
    return f;
  }

  // ---- log writer thread ----

  private void logWriterLoop() {
    List<Object> batch = new ArrayList<>();
    List<Entry> entries = new ArrayList<>();
    List<Message> afterPersist = new ArrayList<>();
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
          merge(entries, w.entries());
          afterPersist.addAll(w.afterPersist());
          if (w.hardState() != null) {
            hs = w.hardState();
          }
        }
      }
      batch.clear();
      if (!entries.isEmpty() || hs != null) {
        raftLog.append(entries, hs);
        logCache.append(entries);
      }
      if (!afterPersist.isEmpty()) {
        peers.send(List.copyOf(afterPersist));
        afterPersist.clear();
      }
      if (!entries.isEmpty()) {
        Entry last = entries.get(entries.size() - 1);
        inbox.add(new Persisted(last.index(), last.term()));
        entries.clear();
      }
      if (stop) {
        return;
      }
    }
  }

  /** Adds a later write's entries; they replace queued ones from their first index on. */
  private static void merge(List<Entry> queued, List<Entry> next) {
    if (next.isEmpty()) {
      return;
    }
    long first = next.get(0).index();
    while (!queued.isEmpty() && queued.get(queued.size() - 1).index() >= first) {
      queued.remove(queued.size() - 1);
    }
    queued.addAll(next);
  }

  // ---- apply thread ----

  private void applyLoop() {
    List<Object> batch = new ArrayList<>();
    List<Committed> entries = new ArrayList<>();
    List<ConfApplied> confChanges = new ArrayList<>();
    long lastSync = System.nanoTime();
    boolean dirty = false;
    if (store.appliedIndex() >= startCommit) {
      caughtUp.countDown();
    }
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
            entries.add(toCommitted(e, confChanges));
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
        for (ConfApplied c : confChanges) {
          onConfApplied(c);
        }
        confChanges.clear();
        for (Applied a : result.outcomes()) {
          Pending p = waits.remove(a.requestId());
          if (p != null) {
            p.complete(a.result());
          }
        }
        appliedWaiters.appliedTo(lastApplied);
        if (lastApplied >= startCommit) {
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

  private Committed toCommitted(Entry e, List<ConfApplied> confChanges) {
    if (e.type() == Entry.Type.NORMAL) {
      return new Committed(e.index(), e.term(), e.data());
    }
    ConfChange cc;
    try {
      cc = ConfChange.decode(e.data());
    } catch (IllegalArgumentException ex) {
      log.error("skipping unreadable configuration change at index {}", e.index());
      return new Committed(e.index(), e.term(), new byte[0]);
    }
    if (e.index() <= store.appliedIndex()) {
      return new Committed(e.index(), e.term(), new byte[0]); // replayed: already recorded
    }
    confChanges.add(new ConfApplied(e.index(), cc));
    byte[] description = cc.type() == ConfChange.Type.REMOVE_NODE ? null : cc.context();
    return new Committed(
        e.index(), e.term(), new byte[0], new Committed.MemberChange(cc.nodeId(), description));
  }

  private void onConfApplied(ConfApplied c) {
    ConfChange cc = c.change();
    if (cc.type() == ConfChange.Type.REMOVE_NODE) {
      members.remove(cc.nodeId());
      peers.removePeer(cc.nodeId());
    } else {
      Member m = members.put(cc.nodeId(), cc.context());
      connect(m);
    }
    inbox.add(c);
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

    /** The leadership it was proposed under; 0 until proposed. Raft thread only. */
    long leaderEpoch;

    Pending(long deadlineNanos) {
      this.deadlineNanos = deadlineNanos;
    }
  }

  /** Proposes the revoke of expired leases, at most etcd's 1000 a second. */
  private void revokeExpiredLeases() {
    if (!lessor.isPrimary()) {
      return; // only the leader expires leases
    }
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
    if (r.getSerializable()) {
      return read(() -> store.read(v -> kv.range(v, r)));
    }
    return linearizableBarrier()
        .thenApplyAsync(v -> store.read(view -> kv.range(view, r)), readers);
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
      if (isSerializable(r)) {
        return read(() -> store.read(v -> kv.readOnlyTxn(v, r)));
      }
      return linearizableBarrier()
          .thenApplyAsync(v -> store.read(view -> kv.readOnlyTxn(view, r)), readers);
    }
    return propose(InternalRaftRequest.newBuilder().setTxn(r))
        .thenCompose(outcome(TxnResponse.class));
  }

  @Override
  public CompletableFuture<CompactionResponse> compact(CompactionRequest r) {
    return propose(InternalRaftRequest.newBuilder().setCompaction(r))
        .thenCompose(outcome(CompactionResponse.class));
  }

  /** A read-only txn whose every range asks for serializable reads needs no ReadIndex. */
  private static boolean isSerializable(TxnRequest r) {
    for (var op : r.getSuccessList()) {
      if (!op.hasRequestRange() || !op.getRequestRange().getSerializable()) {
        return false;
      }
    }
    for (var op : r.getFailureList()) {
      if (!op.hasRequestRange() || !op.getRequestRange().getSerializable()) {
        return false;
      }
    }
    return true;
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
  public CompletableFuture<Long> renew(long id) {
    if (lessor.isPrimary()) {
      return CompletableFuture.completedFuture(renewHere(id));
    }
    long l = leader;
    if (l == 0 || l == options.memberId()) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.NO_LEADER));
    }
    return peers
        .renewLease(l, id)
        .exceptionallyCompose(
            e -> CompletableFuture.failedFuture(new StoreException(StoreError.NO_LEADER)));
  }

  /** Whether this member keeps the lease clock, as the leader does. */
  public boolean leasesExpireHere() {
    return lessor.isPrimary();
  }

  /** Renews a lease on this member, which must be the leader: the TTL, or 0 for no such lease. */
  public long renewHere(long id) {
    long ttl = lessor.renew(id);
    return ttl < 0 ? 0 : ttl;
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r) {
    long l = leader;
    if (lessor.isPrimary() || l == 0 || l == options.memberId()) {
      return CompletableFuture.completedFuture(timeToLiveHere(r));
    }
    // Only the leader knows how long a lease has left; ask it, and answer locally if it is gone.
    return peers.leaseTimeToLive(l, r).exceptionally(e -> timeToLiveHere(r));
  }

  /** A lease's time to live as this member's lessor knows it. */
  public LeaseTimeToLiveResponse timeToLiveHere(LeaseTimeToLiveRequest r) {
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
  public long leader() {
    return leader;
  }

  @Override
  public long committedIndex() {
    return committedIndex;
  }

  @Override
  public long appliedIndex() {
    return store.appliedIndex();
  }

  @Override
  public long dbSize() {
    return mvccBackend.diskBytes();
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
    timer.shutdownNow();
    readers.shutdownNow();
    StoreException stopped = new StoreException(StoreError.STOPPED);
    appliedWaiters.failAll(stopped);
    for (CompletableFuture<Void> f; (f = readRequests.poll()) != null; ) {
      f.completeExceptionally(stopped);
    }
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
