package dev.cairn.store.server;

import dev.cairn.proto.etcdserverpb.AlarmMember;
import dev.cairn.proto.etcdserverpb.AlarmRequest;
import dev.cairn.proto.etcdserverpb.AlarmResponse;
import dev.cairn.proto.etcdserverpb.AlarmType;
import dev.cairn.proto.etcdserverpb.AuthDisableRequest;
import dev.cairn.proto.etcdserverpb.AuthEnableRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleAddRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleDeleteRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleGetRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleListRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleRevokePermissionRequest;
import dev.cairn.proto.etcdserverpb.AuthStatusRequest;
import dev.cairn.proto.etcdserverpb.AuthUserAddRequest;
import dev.cairn.proto.etcdserverpb.AuthUserChangePasswordRequest;
import dev.cairn.proto.etcdserverpb.AuthUserDeleteRequest;
import dev.cairn.proto.etcdserverpb.AuthUserGetRequest;
import dev.cairn.proto.etcdserverpb.AuthUserGrantRoleRequest;
import dev.cairn.proto.etcdserverpb.AuthUserListRequest;
import dev.cairn.proto.etcdserverpb.AuthUserRevokeRoleRequest;
import dev.cairn.proto.etcdserverpb.AuthenticateRequest;
import dev.cairn.proto.etcdserverpb.AuthenticateResponse;
import dev.cairn.proto.etcdserverpb.CompactionRequest;
import dev.cairn.proto.etcdserverpb.CompactionResponse;
import dev.cairn.proto.etcdserverpb.DefragmentResponse;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeResponse;
import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.HashResponse;
import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantResponse;
import dev.cairn.proto.etcdserverpb.LeaseLeasesResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import dev.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import dev.cairn.proto.etcdserverpb.LeaseStatus;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.proto.etcdserverpb.MemberAddRequest;
import dev.cairn.proto.etcdserverpb.MemberAddResponse;
import dev.cairn.proto.etcdserverpb.MemberListRequest;
import dev.cairn.proto.etcdserverpb.MemberListResponse;
import dev.cairn.proto.etcdserverpb.MemberPromoteRequest;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MemberRemoveRequest;
import dev.cairn.proto.etcdserverpb.MemberRemoveResponse;
import dev.cairn.proto.etcdserverpb.MemberUpdateRequest;
import dev.cairn.proto.etcdserverpb.MemberUpdateResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.PutResponse;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.etcdserverpb.StatusResponse;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.proto.internal.InternalRaftRequest;
import dev.cairn.store.apply.Alarms;
import dev.cairn.store.apply.Applied;
import dev.cairn.store.apply.Applier;
import dev.cairn.store.apply.ApplyResult;
import dev.cairn.store.apply.Committed;
import dev.cairn.store.apply.KvExecutor;
import dev.cairn.store.auth.AuthInfo;
import dev.cairn.store.auth.AuthStore;
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
import dev.cairn.store.raft.Snapshot;
import dev.cairn.store.raft.SoftState;
import dev.cairn.store.raftlog.LogCache;
import dev.cairn.store.raftlog.RaftLog;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.support.IdGenerator;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import dev.cairn.store.watch.WatchableStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
public final class StoreServer
    implements RaftKv,
        RaftLease,
        MemberStatus,
        RaftCluster,
        RaftMaintenance,
        RaftAuth,
        AutoCloseable {
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

  /** Where snapshot files are written for peers and clients, and received from the leader. */
  private final Path snapshotDir;

  /** Index of the latest snapshot recorded in the log; apply thread only. */
  private long lastSnapshotIndex;

  /** Callers waiting for a configuration change about a member to be applied, by member id. */
  private final ConcurrentHashMap<Long, List<CompletableFuture<Void>>> confWaits =
      new ConcurrentHashMap<>();

  /** Callers waiting for the leader to change. */
  private final java.util.concurrent.CopyOnWriteArrayList<Runnable> leaderWatchers =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private final Alarms alarms;
  private final AuthStore auth;
  private volatile long cachedDbSize;
  private volatile boolean removed;
  private final CompletableFuture<Void> removal = new CompletableFuture<>();
  private final java.util.concurrent.atomic.AtomicBoolean publishing =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicBoolean corruptCheckRunning =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Counts changes of leader; raft thread only. */
  private long leaderEpoch = 1;

  private volatile ServerEvents events = ServerEvents.NONE;

  /** When the unanswered heartbeat to each peer went, for the round-trip metric; raft thread. */
  private final java.util.Map<Long, Long> heartbeatSent = new java.util.HashMap<>();

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

  /** A configuration change applied; replayed when the key space already held it. */
  private record ConfApplied(long index, ConfChange change, boolean replayed) {}

  private record LogWrite(
      List<Entry> entries, HardState hardState, Snapshot snapshot, List<Message> afterPersist) {}

  /** Record a snapshot of the applied state and drop log entries up to compactTo. */
  private record Compact(Snapshot snapshot, long compactTo) {}

  /** Replace the key space by a snapshot file from the leader; done completes once durable. */
  private record InstallSnapshot(Snapshot snapshot, Path file, CompletableFuture<Void> done) {}

  private record SnapshotReport(long peer, boolean delivered) {}

  /** Work that must run on the raft thread, which alone touches the Raft node. */
  private record RaftTask(Runnable body) {}

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
    this(
        raftBackend,
        mvccBackend,
        lessor,
        options,
        initialMembers,
        peers,
        new AuthStore(
            new dev.cairn.store.auth.SimpleTokens(java.time.Duration.ofMinutes(5)),
            new dev.cairn.store.auth.Passwords(dev.cairn.store.auth.Passwords.DEFAULT_COST)));
  }

  /**
   * Opens the member's state, as above, with the auth store that --auth-token and --bcrypt-cost
   * configure.
   */
  public StoreServer(
      Backend raftBackend,
      Backend mvccBackend,
      Lessor lessor,
      ServerOptions options,
      List<Member> initialMembers,
      Peers peers,
      AuthStore auth) {
    this.options = options;
    this.auth = auth;
    this.raftBackend = raftBackend;
    this.mvccBackend = mvccBackend;
    this.lessor = lessor;
    this.peers = peers;
    this.raftLog = RaftLog.open(raftBackend);
    this.store = MvccStore.open(mvccBackend, new LessorKeyLeases(lessor));
    store.storedLeases().forEach(lessor::restore);
    store.attachLiveKeys();
    this.kv = new KvExecutor(lessor::exists);
    this.alarms = new Alarms(store.storedAlarms());
    loadAuth();
    this.applier = new Applier(store, kv, lessor, alarms, auth);
    this.watchable = new WatchableStore(store);
    this.appliedWaiters = new AppliedWaiters(store::appliedIndex);
    this.snapshotDir =
        options.snapshots().dir() != null
            ? options.snapshots().dir()
            : mvccBackend.dir().resolveSibling("snap");
    try {
      Files.createDirectories(snapshotDir);
      // Files of an earlier life: snapshots being written for peers or clients, and snapshots
      // received but not installed (Raft asks the leader again). Nothing refers to them now.
      try (var files = Files.list(snapshotDir)) {
        for (Path f : files.toList()) {
          String n = f.getFileName().toString();
          if (n.endsWith(".snap") || n.endsWith(".snap.tmp")) {
            Files.deleteIfExists(f);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + snapshotDir, e);
    }
    // Request ids must never repeat an id still in the log, so they start from the clock.
    this.ids = new IdGenerator(options.memberId(), System.currentTimeMillis());

    Bootstrap.writeInitialLog(raftLog, initialMembers);
    long applied = store.appliedIndex();
    // After a snapshot from the leader, the key space may be ahead of the log it came with.
    if (applied > raftLog.lastIndex() && raftLog.snapshot() == null) {
      throw new IllegalStateException(
          "the MVCC store has applied index "
              + applied
              + " beyond the raft log's last index "
              + raftLog.lastIndex());
    }
    this.members = new Members(options.memberId(), store.storedMembers());
    if (!members.all().isEmpty() && !members.contains(options.memberId())) {
      throw new IllegalStateException(
          "member "
              + Long.toHexString(options.memberId())
              + " has been permanently removed from the cluster; its data dir cannot serve again");
    }
    Snapshot latest = raftLog.snapshot();
    this.lastSnapshotIndex = latest != null ? latest.index() : raftLog.firstIndex() - 1;
    this.lastConfApplied = applied;
    for (Entry e :
        raftLog.entries(Math.max(applied + 1, raftLog.firstIndex()), raftLog.lastIndex())) {
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
            Math.min(applied, raftLog.lastIndex()),
            new SplittableRandom(System.nanoTime() ^ options.memberId()));
    this.term = node.term();
    this.startCommit = node.committed();
    this.cachedDbSize = mvccBackend.diskBytes();
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
    timer.scheduleWithFixedDelay(
        () -> cachedDbSize = mvccBackend.diskBytes(), 100, 100, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::publishAttributes, 0, 500, TimeUnit.MILLISECONDS);
    long check = options.membership().corruptCheckInterval().toMillis();
    if (check > 0) {
      timer.scheduleWithFixedDelay(this::checkCorruption, check, check, TimeUnit.MILLISECONDS);
    }
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

  /** The snapshot sent to a peer arrived, or failed; called by the transport. */
  public void snapshotSent(long peer, boolean delivered) {
    inbox.add(new SnapshotReport(peer, delivered));
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
      Message m = in.message();
      if (m.type() == Message.Type.HEARTBEAT_RESPONSE) {
        Long sent = heartbeatSent.remove(m.from());
        if (sent != null) {
          events.peerRoundTrip(m.from(), System.nanoTime() - sent);
        }
      }
      node.step(m);
    } else if (ev instanceof Persisted p) {
      node.persisted(p.index(), p.term());
    } else if (ev == TICK) {
      node.tick();
      checkInflightRead();
      retryAwaitingLeader();
    } else if (ev == READ_WAKE) {
      readWakePosted.set(false);
    } else if (ev instanceof Unreachable u) {
      node.reportUnreachable(u.peer());
    } else if (ev instanceof ConfApplied c) {
      node.applyConfChange(c.index(), c.change());
      lastConfApplied = c.index();
      campaignIfAlone();
    } else if (ev instanceof SnapshotReport r) {
      node.reportSnapshot(r.peer(), r.delivered());
    } else if (ev instanceof RaftTask t) {
      t.body().run();
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

  /**
   * Proposals refused while leadership was being handed over wait for the new leader; when the
   * hand-over is abandoned the leader stays, so they are offered again on each tick.
   */
  private void retryAwaitingLeader() {
    if (awaitingLeader.isEmpty() || node.leader() == 0) {
      return;
    }
    List<Proposal> waiting = new ArrayList<>(awaitingLeader);
    awaitingLeader.clear();
    waiting.forEach(this::propose);
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
        events.proposalFailed();
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
        for (Message m : rd.messages()) {
          if (m.type() == Message.Type.HEARTBEAT) {
            heartbeatSent.putIfAbsent(m.to(), System.nanoTime());
          }
        }
        peers.send(rd.messages());
      }
      for (Entry e : rd.entries()) {
        if (e.type() == Entry.Type.CONF_CHANGE) {
          lastConfIndexInLog = Math.max(lastConfIndexInLog, e.index());
        }
      }
      if (rd.needsWrite()) {
        logQueue.add(
            new LogWrite(rd.entries(), rd.hardState(), rd.snapshot(), rd.messagesAfterPersist()));
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
      leaderWatchers.forEach(Runnable::run);
      leaderEpoch++;
      if (ss.leader() != 0) {
        events.leaderChanged();
      }
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
    LogBatch pending = new LogBatch();
    while (true) {
      try {
        batch.add(logQueue.take());
      } catch (InterruptedException e) {
        continue; // never leave with writes pending; STOP ends this loop
      }
      logQueue.drainTo(batch);
      boolean stop = false;
      for (Object o : batch) {
        if (o == STOP) {
          stop = true;
        } else if (o instanceof Compact c) {
          pending.flush();
          raftLog.compact(c.snapshot(), c.compactTo());
          log.info(
              "snapshot at index {}; log compacted up to {}",
              c.snapshot().index(),
              raftLog.firstIndex() - 1);
        } else {
          LogWrite w = (LogWrite) o;
          if (w.snapshot() != null) {
            pending.flush();
            installSnapshotInLog(w.snapshot(), w.hardState());
          } else if (w.hardState() != null) {
            pending.hs = w.hardState();
          }
          merge(pending.entries, w.entries());
          pending.afterPersist.addAll(w.afterPersist());
        }
      }
      batch.clear();
      pending.flush();
      if (stop) {
        return;
      }
    }
  }

  /** What the log writer has gathered for its next write. */
  private final class LogBatch {
    final List<Entry> entries = new ArrayList<>();
    final List<Message> afterPersist = new ArrayList<>();
    HardState hs;

    /** Writes what is gathered in one transaction, then lets the waiting messages go. */
    void flush() {
      if (!entries.isEmpty() || hs != null) {
        long start = System.nanoTime();
        raftLog.append(entries, hs);
        events.logSynced(System.nanoTime() - start);
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
      hs = null;
    }
  }

  /**
   * Installs a snapshot from the leader: the key space first (on the apply thread, which owns it),
   * then the log, so that a crash in between leaves a key space ahead of its log, never behind.
   */
  private void installSnapshotInLog(Snapshot s, HardState hs) {
    Path file = Path.of(new String(s.data(), StandardCharsets.UTF_8));
    CompletableFuture<Void> done = new CompletableFuture<>();
    applyQueue.add(new InstallSnapshot(s, file, done));
    try {
      done.join();
    } catch (RuntimeException e) {
      // Leaves the snapshot unstored: Raft retries it when the leader sends it again.
      log.error("installing the snapshot at index {} failed", s.index(), e);
      return;
    }
    raftLog.installSnapshot(s, hs);
    logCache.reset(s.index(), s.term());
    inbox.add(new Persisted(s.index(), s.term()));
    log.info("installed the leader's snapshot at index {} (term {})", s.index(), s.term());
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
    ApplyBatch pending = new ApplyBatch();
    long lastSync = System.nanoTime();
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
          } else if (o instanceof InstallSnapshot in) {
            pending.apply();
            installSnapshot(in);
          } else {
            @SuppressWarnings("unchecked")
            List<Entry> list = (List<Entry>) o;
            for (Entry e : list) {
              pending.entries.add(toCommitted(e, pending.confChanges));
            }
          }
        }
        batch.clear();
        pending.apply();
      }
      // The log is the durability point; syncing the store only bounds the replay after a crash.
      if (pending.dirty && System.nanoTime() - lastSync > TimeUnit.MILLISECONDS.toNanos(100)) {
        mvccBackend.sync();
        lastSync = System.nanoTime();
        pending.dirty = false;
        maybeSnapshot();
      }
      if (stop) {
        return;
      }
    }
  }

  /** Committed entries gathered by the apply thread for one MVCC transaction. */
  private final class ApplyBatch {
    final List<Committed> entries = new ArrayList<>();
    final List<ConfApplied> confChanges = new ArrayList<>();
    boolean dirty;

    void apply() {
      if (entries.isEmpty()) {
        return;
      }
      long start = System.nanoTime();
      ApplyResult result = applier.apply(entries);
      events.applied(System.nanoTime() - start);
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
  }

  /**
   * Once --snapshot-count entries were applied since the last snapshot, and the key space holding
   * them is on disk, records a snapshot and lets the log drop what followers no longer need.
   */
  private void maybeSnapshot() {
    long applied = store.appliedIndex();
    if (applied - lastSnapshotIndex < options.snapshots().count()) {
      return;
    }
    Snapshot s = new Snapshot(applied, store.appliedTerm(), members.confState(), new byte[0]);
    logQueue.add(new Compact(s, applied - options.snapshots().catchupEntries()));
    lastSnapshotIndex = applied;
  }

  /** Replaces the key space by the leader's snapshot; on the apply thread. */
  private void installSnapshot(InstallSnapshot in) {
    try {
      Set<Long> before = new java.util.HashSet<>();
      members.all().forEach(m -> before.add(m.id()));
      dev.cairn.store.snapshot.Snapshots.install(in.file(), mvccBackend);
      store.reload();
      lessor.clear();
      store.storedLeases().forEach(lessor::restore);
      store.attachLiveKeys();
      alarms.reload(store.storedAlarms());
      loadAuth();
      members.reload(store.storedMembers());
      for (long id : before) {
        if (!members.contains(id)) {
          peers.removePeer(id);
        }
      }
      members.all().forEach(this::connect);
      watchable.restore();
      lastSnapshotIndex = in.snapshot().index();
      appliedWaiters.appliedTo(store.appliedIndex());
      Files.deleteIfExists(in.file());
      in.done().complete(null);
    } catch (IOException | RuntimeException e) {
      in.done().completeExceptionally(e);
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
      // In the key space already (it came with a snapshot); Raft must still learn of it.
      confChanges.add(new ConfApplied(e.index(), cc, true));
      return new Committed(e.index(), e.term(), new byte[0]);
    }
    confChanges.add(new ConfApplied(e.index(), cc, false));
    // The member view changes here, in log order, so that the next change in the same batch
    // builds on this one; connections and Raft follow once the batch is applied.
    byte[] description;
    switch (cc.type()) {
      case REMOVE_NODE -> {
        members.remove(cc.nodeId());
        description = null;
      }
      case UPDATE_NODE -> {
        Member m = members.update(cc.nodeId(), cc.context());
        if (m == null) {
          return new Committed(e.index(), e.term(), new byte[0]); // updates a removed member
        }
        description = m.toProto().toByteArray();
      }
      default -> {
        members.put(cc.nodeId(), cc.context());
        description = cc.context();
      }
    }
    return new Committed(
        e.index(), e.term(), new byte[0], new Committed.MemberChange(cc.nodeId(), description));
  }

  private void onConfApplied(ConfApplied c) {
    ConfChange cc = c.change();
    if (c.replayed()) {
      inbox.add(c);
      return;
    }
    if (cc.type() == ConfChange.Type.REMOVE_NODE) {
      peers.removePeer(cc.nodeId());
    } else {
      Member m = members.get(cc.nodeId());
      if (m != null) {
        connect(m);
      }
    }
    inbox.add(c);
    List<CompletableFuture<Void>> waiting = confWaits.remove(cc.nodeId());
    if (waiting != null) {
      waiting.forEach(f -> f.complete(null));
    }
    if (cc.type() == ConfChange.Type.REMOVE_NODE && cc.nodeId() == options.memberId()) {
      log.warn(
          "member {} has been permanently removed from the cluster",
          Long.toHexString(options.memberId()));
      removed = true;
      removal.complete(null);
    }
  }

  private void loadAuth() {
    auth.load(
        store.storedAuth(dev.cairn.store.storage.Schema.AUTH),
        store.storedAuth(dev.cairn.store.storage.Schema.AUTH_USERS),
        store.storedAuth(dev.cairn.store.storage.Schema.AUTH_ROLES));
  }

  // ---- proposals ----

  /** Proposes a request from a client that named no user. */
  private CompletableFuture<Object> propose(InternalRaftRequest.Builder req) {
    return propose(req, null, false);
  }

  /**
   * Proposes a request.
   *
   * @param caller who asked (its user and auth revision go into the entry), or null for nobody
   * @param byMember whether the member asks on its own behalf, which no permission check applies to
   */
  private CompletableFuture<Object> propose(
      InternalRaftRequest.Builder req, AuthInfo caller, boolean byMember) {
    if (!running) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.STOPPED));
    }
    long id = ids.next();
    var header = dev.cairn.proto.internal.RequestHeader.newBuilder().setId(id);
    if (byMember) {
      header.setByMember(true);
    } else if (caller != null) {
      header.setUsername(caller.user()).setAuthRevision(caller.revision());
    }
    byte[] data = req.setHeader(header).build().toByteArray();
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
      revoke(LeaseRevokeRequest.newBuilder().setID(id).build(), null, true)
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
        events.proposalFailed();
        e.getValue().complete(new StoreException(StoreError.TIMEOUT));
      }
    }
  }

  private void fail(long id, StoreException e) {
    Pending p = waits.remove(id);
    if (p != null) {
      events.proposalFailed();
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
    return put(r, null);
  }

  private CompletableFuture<PutResponse> put(PutRequest r, AuthInfo caller) {
    try {
      checkQuota(r.getSerializedSize());
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    return propose(InternalRaftRequest.newBuilder().setPut(r), caller, false)
        .thenCompose(outcome(PutResponse.class));
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
    return deleteRange(r, null);
  }

  private CompletableFuture<DeleteRangeResponse> deleteRange(
      DeleteRangeRequest r, AuthInfo caller) {
    return propose(InternalRaftRequest.newBuilder().setDeleteRange(r), caller, false)
        .thenCompose(outcome(DeleteRangeResponse.class));
  }

  @Override
  public RaftKv as(AuthInfo caller) {
    StoreServer self = this;
    return new RaftKv() {
      @Override
      public CompletableFuture<RangeResponse> range(RangeRequest r) {
        return self.range(r);
      }

      @Override
      public CompletableFuture<PutResponse> put(PutRequest r) {
        return self.put(r, caller);
      }

      @Override
      public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
        return self.deleteRange(r, caller);
      }

      @Override
      public CompletableFuture<TxnResponse> txn(TxnRequest r) {
        return self.txn(r, caller);
      }

      @Override
      public CompletableFuture<CompactionResponse> compact(CompactionRequest r) {
        return self.compact(r, caller);
      }
    };
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest r) {
    return txn(r, null);
  }

  private CompletableFuture<TxnResponse> txn(TxnRequest r, AuthInfo caller) {
    if (KvExecutor.isReadOnly(r)) {
      if (isSerializable(r)) {
        return read(() -> store.read(v -> kv.readOnlyTxn(v, r)));
      }
      return linearizableBarrier()
          .thenApplyAsync(v -> store.read(view -> kv.readOnlyTxn(view, r)), readers);
    }
    try {
      checkQuota(r.getSerializedSize());
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    return propose(InternalRaftRequest.newBuilder().setTxn(r), caller, false)
        .thenCompose(outcome(TxnResponse.class));
  }

  @Override
  public CompletableFuture<CompactionResponse> compact(CompactionRequest r) {
    return compact(r, null);
  }

  private CompletableFuture<CompactionResponse> compact(CompactionRequest r, AuthInfo caller) {
    return propose(InternalRaftRequest.newBuilder().setCompaction(r), caller, false)
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

  // ---- RaftAuth ----

  @Override
  public AuthStore access() {
    return auth;
  }

  @Override
  public CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest r) {
    // As etcd: the password is checked here (bcrypt, on this request thread), never logged; the
    // log carries only the user and the token's random part, so every member learns the token.
    return linearizableBarrier()
        .thenCompose(
            v -> {
              long checkedAt;
              try {
                checkedAt = auth.checkPassword(r.getName(), r.getPassword());
              } catch (StoreException e) {
                if (e.error() != StoreError.AUTH_NOT_ENABLED) {
                  log.warn("authentication failed for user '{}'", r.getName());
                }
                return CompletableFuture.failedFuture(e);
              }
              InternalRaftRequest.Builder req =
                  InternalRaftRequest.newBuilder()
                      .setAuthenticate(
                          dev.cairn.proto.internal.InternalAuthenticateRequest.newBuilder()
                              .setName(r.getName())
                              .setSimpleToken(auth.tokens().newPrefix()));
              return propose(req, null, false)
                  .thenCompose(outcome(AuthenticateResponse.class))
                  .thenCompose(
                      resp ->
                          // The user's rights changed while the password was checked: again.
                          checkedAt == auth.revision()
                              ? CompletableFuture.completedFuture(resp)
                              : authenticate(r));
            });
  }

  @Override
  public CompletableFuture<com.google.protobuf.Message> manage(
      AuthInfo caller, com.google.protobuf.Message request) {
    InternalRaftRequest.Builder req = InternalRaftRequest.newBuilder();
    try {
      switch (request) {
        case AuthEnableRequest x -> req.setAuthEnable(x);
        case AuthDisableRequest x -> req.setAuthDisable(x);
        case AuthStatusRequest x -> req.setAuthStatus(x);
        case AuthUserAddRequest x -> req.setAuthUserAdd(withHashedPassword(x));
        case AuthUserDeleteRequest x -> req.setAuthUserDelete(x);
        case AuthUserGetRequest x -> req.setAuthUserGet(x);
        case AuthUserChangePasswordRequest x ->
            req.setAuthUserChangePassword(
                x.toBuilder().setHashedPassword(auth.hashForLog(x.getPassword())).clearPassword());
        case AuthUserGrantRoleRequest x -> req.setAuthUserGrantRole(x);
        case AuthUserRevokeRoleRequest x -> req.setAuthUserRevokeRole(x);
        case AuthUserListRequest x -> req.setAuthUserList(x);
        case AuthRoleListRequest x -> req.setAuthRoleList(x);
        case AuthRoleAddRequest x -> req.setAuthRoleAdd(x);
        case AuthRoleDeleteRequest x -> req.setAuthRoleDelete(x);
        case AuthRoleGetRequest x -> req.setAuthRoleGet(x);
        case AuthRoleGrantPermissionRequest x -> req.setAuthRoleGrantPermission(x);
        case AuthRoleRevokePermissionRequest x -> req.setAuthRoleRevokePermission(x);
        default -> throw new StoreException(StoreError.UNIMPLEMENTED);
      }
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    return propose(req, caller, false).thenCompose(outcome(com.google.protobuf.Message.class));
  }

  /** etcd hashes the password on the member that receives it, so the log never holds it. */
  private AuthUserAddRequest withHashedPassword(AuthUserAddRequest r) {
    if (r.getOptions().getNoPassword()) {
      return r.toBuilder().clearPassword().build();
    }
    return r.toBuilder()
        .setHashedPassword(auth.hashForLog(r.getPassword()))
        .clearPassword()
        .build();
  }

  @Override
  public CompletableFuture<Void> awaitApplied(long index) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    appliedWaiters.await(index, List.of(f));
    return f;
  }

  // ---- RaftLease ----

  @Override
  public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest r) {
    if (r.getTTL() > Lessor.MAX_TTL) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.LEASE_TTL_TOO_LARGE));
    }
    try {
      checkQuota(64);
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
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
    return revoke(r, null, false);
  }

  @Override
  public CompletableFuture<LeaseRevokeResponse> revokeAs(AuthInfo caller, LeaseRevokeRequest r) {
    return revoke(r, caller, false);
  }

  private CompletableFuture<LeaseRevokeResponse> revoke(
      LeaseRevokeRequest r, AuthInfo caller, boolean byMember) {
    return propose(InternalRaftRequest.newBuilder().setLeaseRevoke(r), caller, byMember)
        .thenCompose(outcome(LeaseRevokeResponse.class));
  }

  @Override
  public java.util.Collection<byte[]> keysOf(long id) {
    Lease l = lessor.lookup(id);
    return l == null ? List.of() : l.keys();
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
  public boolean isLearner() {
    return members.confState().learners().contains(options.memberId());
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

  // ---- RaftCluster ----

  /** The members as this member has applied them. */
  public List<Member> members() {
    return members.all();
  }

  /** Completes when this member has applied its own removal from the cluster. */
  public CompletableFuture<Void> removal() {
    return removal;
  }

  private List<dev.cairn.proto.etcdserverpb.Member> memberList() {
    List<dev.cairn.proto.etcdserverpb.Member> out = new ArrayList<>();
    for (Member m : members.all()) {
      out.add(toEtcd(m));
    }
    return out;
  }

  private static dev.cairn.proto.etcdserverpb.Member toEtcd(Member m) {
    return dev.cairn.proto.etcdserverpb.Member.newBuilder()
        .setID(m.id())
        .setName(m.name())
        .addAllPeerURLs(m.peerUrls())
        .addAllClientURLs(m.clientUrls())
        .setIsLearner(m.isLearner())
        .build();
  }

  @Override
  public CompletableFuture<MemberListResponse> memberList(MemberListRequest r) {
    if (!r.getLinearizable()) {
      return CompletableFuture.completedFuture(
          MemberListResponse.newBuilder().addAllMembers(memberList()).build());
    }
    return linearizableBarrier()
        .thenApply(v -> MemberListResponse.newBuilder().addAllMembers(memberList()).build());
  }

  @Override
  public CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest r) {
    List<String> urls = r.getPeerURLsList();
    try {
      checkPeerUrlsFree(0, urls);
      if (r.getIsLearner()) {
        long learners = members.all().stream().filter(Member::isLearner).count();
        if (learners + 1 > options.membership().maxLearners()) {
          throw new StoreException(StoreError.TOO_MANY_LEARNERS);
        }
      } else if (strict() && !readyToAddVoter()) {
        throw new StoreException(StoreError.NOT_ENOUGH_STARTED_MEMBERS);
      }
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    Member m = Member.added(urls, r.getIsLearner(), java.time.Instant.now());
    if (members.contains(m.id())) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.MEMBER_EXISTS));
    }
    ConfChange.Type type = m.isLearner() ? ConfChange.Type.ADD_LEARNER : ConfChange.Type.ADD_NODE;
    return proposeConfChange(new ConfChange(type, m.id(), m.toProto().toByteArray()))
        .thenApply(
            v ->
                MemberAddResponse.newBuilder()
                    .setMember(toEtcd(m))
                    .addAllMembers(memberList())
                    .build());
  }

  @Override
  public CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest r) {
    long id = r.getID();
    Member m = members.get(id);
    if (m == null) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.MEMBER_NOT_FOUND));
    }
    if (!m.isLearner() && strict() && !readyToRemoveVoter(id)) {
      return CompletableFuture.failedFuture(
          new StoreException(StoreError.NOT_ENOUGH_STARTED_MEMBERS));
    }
    CompletableFuture<Void> ready = CompletableFuture.completedFuture(null);
    if (id == leader && members.confState().voters().size() > 1) {
      // A removed leader stops sending the commit index with the change, which can leave the
      // survivors unable to elect anyone (etcd issue 10563): move leadership away first.
      ready = moveLeadershipAway(id);
    }
    return ready
        .thenCompose(
            v -> proposeConfChange(new ConfChange(ConfChange.Type.REMOVE_NODE, id, new byte[0])))
        .thenApply(v -> MemberRemoveResponse.newBuilder().addAllMembers(memberList()).build());
  }

  @Override
  public CompletableFuture<MemberUpdateResponse> memberUpdate(MemberUpdateRequest r) {
    Member m = members.get(r.getID());
    if (m == null) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.MEMBER_NOT_FOUND));
    }
    try {
      checkPeerUrlsFree(m.id(), r.getPeerURLsList());
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<String> urls = new ArrayList<>(r.getPeerURLsList());
    urls.sort(null);
    Member updated = new Member(m.id(), m.name(), urls, m.clientUrls(), m.isLearner());
    return proposeConfChange(
            new ConfChange(ConfChange.Type.UPDATE_NODE, m.id(), updated.toProto().toByteArray()))
        .thenApply(v -> MemberUpdateResponse.newBuilder().addAllMembers(memberList()).build());
  }

  @Override
  public CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest r) {
    long l = leader;
    if (l == 0) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.NO_LEADER));
    }
    if (l == options.memberId()) {
      return promoteHere(r.getID());
    }
    return peers.promote(l, r.getID());
  }

  /** Promotes a learner once it has caught up with this member, which must be the leader. */
  public CompletableFuture<MemberPromoteResponse> promoteHere(long id) {
    Member m = members.get(id);
    if (m == null) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.MEMBER_NOT_FOUND));
    }
    if (!m.isLearner()) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.MEMBER_NOT_LEARNER));
    }
    if (strict() && !readyToPromote(m)) {
      return CompletableFuture.failedFuture(
          new StoreException(StoreError.NOT_ENOUGH_STARTED_MEMBERS));
    }
    return onRaftThread(
            () -> {
              if (node.role() != RaftNode.Role.LEADER) {
                throw new StoreException(StoreError.NOT_LEADER);
              }
              // etcd's rule: the learner's log must reach 90% of the leader's.
              long leaderMatch = node.matchIndex(options.memberId());
              long learnerMatch = node.matchIndex(id);
              if ((double) learnerMatch < leaderMatch * 0.9) {
                throw new StoreException(StoreError.LEARNER_NOT_READY);
              }
              return null;
            })
        .thenCompose(
            v -> {
              Member voter = new Member(m.id(), m.name(), m.peerUrls(), m.clientUrls(), false);
              return proposeConfChange(
                  new ConfChange(ConfChange.Type.ADD_NODE, id, voter.toProto().toByteArray()));
            })
        .thenApply(v -> MemberPromoteResponse.newBuilder().addAllMembers(memberList()).build());
  }

  private boolean strict() {
    return options.membership().strictReconfigCheck();
  }

  private void checkPeerUrlsFree(long except, List<String> urls) {
    for (Member other : members.all()) {
      if (other.id() == except) {
        continue;
      }
      for (String u : urls) {
        if (other.peerUrls().contains(u)) {
          throw new StoreException(StoreError.PEER_URL_EXISTS);
        }
      }
    }
  }

  private List<Member> voters() {
    return members.all().stream().filter(m -> !m.isLearner()).toList();
  }

  /** etcd's IsReadyToAddVotingMember: a quorum of the grown cluster has started. */
  private boolean readyToAddVoter() {
    int voters = voters().size() + 1;
    long started = voters().stream().filter(Member::isStarted).count();
    if (started == 1 && voters == 2) {
      return true; // growing a one-member cluster, as after a restore
    }
    return started >= voters / 2 + 1;
  }

  /** etcd's IsReadyToRemoveVotingMember: the survivors hold a quorum of started members. */
  private boolean readyToRemoveVoter(long id) {
    int voters = voters().size();
    if (voters - 1 < 1) {
      return false;
    }
    long started = voters().stream().filter(m -> m.id() != id && m.isStarted()).count();
    return started >= (voters - 1) / 2 + 1;
  }

  /** etcd's IsReadyToPromoteMember: the grown voter set keeps a quorum of started members. */
  private boolean readyToPromote(Member learner) {
    int voters = voters().size() + 1;
    long started =
        voters().stream().filter(Member::isStarted).count() + (learner.isStarted() ? 1 : 0);
    if (started == 1 && voters == 2) {
      return true;
    }
    return started >= voters / 2 + 1;
  }

  /** Proposes a configuration change and completes once this member has applied it. */
  private CompletableFuture<Void> proposeConfChange(ConfChange cc) {
    if (!running) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.STOPPED));
    }
    CompletableFuture<Void> applied = new CompletableFuture<>();
    confWaits
        .computeIfAbsent(cc.nodeId(), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
        .add(applied);
    inbox.add(
        new RaftTask(
            () -> {
              try {
                node.proposeConfChange(cc);
              } catch (NotLeaderException e) {
                applied.completeExceptionally(new StoreException(StoreError.NO_LEADER));
              } catch (IllegalStateException e) {
                applied.completeExceptionally(new StoreException(StoreError.TIMEOUT));
              }
            }));
    return applied
        .orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(
            e -> {
              List<CompletableFuture<Void>> w = confWaits.get(cc.nodeId());
              if (w != null) {
                w.remove(applied);
              }
              Throwable cause =
                  e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
              if (cause instanceof java.util.concurrent.TimeoutException) {
                return CompletableFuture.failedFuture(new StoreException(StoreError.TIMEOUT));
              }
              return CompletableFuture.failedFuture(cause);
            });
  }

  /** Tells {@code events} what this member does from now on. */
  public void observe(ServerEvents events) {
    this.events = events;
  }

  /** Proposals made by this member and not yet applied or failed. */
  public int pendingProposals() {
    return waits.size();
  }

  /** Runs work on the raft thread and completes with its result. */
  private <T> CompletableFuture<T> onRaftThread(java.util.function.Supplier<T> body) {
    CompletableFuture<T> f = new CompletableFuture<>();
    inbox.add(
        new RaftTask(
            () -> {
              try {
                f.complete(body.get());
              } catch (RuntimeException e) {
                f.completeExceptionally(e);
              }
            }));
    return f;
  }

  /** Moves leadership off {@code from}, which leads now, and waits until another member leads. */
  private CompletableFuture<Void> moveLeadershipAway(long from) {
    CompletableFuture<MoveLeaderResponse> moved =
        from == options.memberId()
            ? moveLeaderHere(MoveLeaderRequest.getDefaultInstance())
            : peers.moveLeader(from, MoveLeaderRequest.getDefaultInstance());
    return moved.thenCompose(r -> awaitLeader(l -> l != 0 && l != from));
  }

  /** Completes once this member sees a leader that satisfies the test, or fails on timeout. */
  private CompletableFuture<Void> awaitLeader(java.util.function.LongPredicate test) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    Runnable check =
        () -> {
          if (test.test(leader)) {
            f.complete(null);
          }
        };
    leaderWatchers.add(check);
    check.run();
    return f.orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((v, e) -> leaderWatchers.remove(check))
        .exceptionallyCompose(
            e -> CompletableFuture.failedFuture(new StoreException(StoreError.TIMEOUT)));
  }

  /**
   * Publishes this member's name and client URLs once it runs, as etcd members do, so that member
   * lists show them and the member counts as started; retried until applied.
   */
  private void publishAttributes() {
    Member self = members.get(options.memberId());
    ServerOptions.Membership mo = options.membership();
    if (self == null
        || leader == 0
        || removed
        || (self.name().equals(mo.name()) && self.clientUrls().equals(mo.clientUrls()))
        || !publishing.compareAndSet(false, true)) {
      return;
    }
    Member published = self.withAttributes(mo.name(), mo.clientUrls());
    proposeConfChange(
            new ConfChange(
                ConfChange.Type.UPDATE_NODE, self.id(), published.toProto().toByteArray()))
        .whenComplete(
            (v, e) -> {
              publishing.set(false);
              if (e == null) {
                log.info(
                    "published member {} as {} with client URLs {}",
                    self.idHex(),
                    mo.name(),
                    mo.clientUrls());
              }
            });
  }

  // ---- RaftMaintenance ----

  @Override
  public StatusResponse status() {
    StatusResponse.Builder b =
        StatusResponse.newBuilder()
            .setDbSize(cachedDbSize)
            .setDbSizeInUse(Math.min(cachedDbSize, mvccBackend.inUseBytes()))
            .setLeader(leader)
            .setRaftIndex(committedIndex)
            .setRaftTerm(term)
            .setRaftAppliedIndex(store.appliedIndex())
            .setIsLearner(isLearner())
            .setDbSizeQuota(options.membership().quotaBackendBytes());
    for (AlarmMember a : alarms.list()) {
      b.addErrors(
          "memberID:"
              + Long.toUnsignedString(a.getMemberID())
              + " alarm:"
              + a.getAlarm().name()
              + " ");
    }
    return b.build();
  }

  @Override
  public HashResponse hash() {
    try (dev.cairn.store.storage.ReadTx tx = mvccBackend.beginRead()) {
      return HashResponse.newBuilder()
          .setHeader(ResponseHeader.newBuilder().setRevision(store.currentRevision()))
          .setHash(dev.cairn.store.mvcc.KvHasher.hash(tx))
          .build();
    }
  }

  @Override
  public HashKVResponse hashKv(HashKVRequest r) {
    long current = store.currentRevision();
    long compact = store.compactRevision();
    long rev = r.getRevision() == 0 ? current : r.getRevision();
    if (rev > current) {
      throw new StoreException(StoreError.FUTURE_REVISION);
    }
    if (rev < compact) {
      throw new StoreException(StoreError.COMPACTED);
    }
    try (dev.cairn.store.storage.ReadTx tx = mvccBackend.beginRead()) {
      var h = dev.cairn.store.mvcc.KvHasher.hashKv(tx, rev, compact);
      return HashKVResponse.newBuilder()
          .setHeader(ResponseHeader.newBuilder().setRevision(current))
          .setHash(h.hash())
          .setCompactRevision(h.compactRevision())
          .setHashRevision(h.hashRevision())
          .build();
    }
  }

  @Override
  public CompletableFuture<AlarmResponse> alarm(AlarmRequest r) {
    if (r.getAction() == AlarmRequest.AlarmAction.GET) {
      AlarmResponse.Builder b = AlarmResponse.newBuilder();
      for (AlarmMember a : alarms.list()) {
        boolean memberMatches = r.getMemberID() == 0 || r.getMemberID() == a.getMemberID();
        boolean typeMatches = r.getAlarm() == AlarmType.NONE || r.getAlarm() == a.getAlarm();
        if (memberMatches && typeMatches) {
          b.addAlarms(a);
        }
      }
      return CompletableFuture.completedFuture(b.build());
    }
    return propose(InternalRaftRequest.newBuilder().setAlarm(r))
        .thenCompose(outcome(AlarmResponse.class));
  }

  @Override
  public CompletableFuture<DefragmentResponse> defragment() {
    return CompletableFuture.supplyAsync(
        () -> {
          long before = mvccBackend.diskBytes();
          mvccBackend.defragment();
          cachedDbSize = mvccBackend.diskBytes();
          log.info("defragmented the key space: {} bytes before, {} after", before, cachedDbSize);
          return DefragmentResponse.getDefaultInstance();
        },
        readers);
  }

  @Override
  public SnapshotStream snapshot() throws IOException {
    Path file = Files.createTempFile(snapshotDir, "send-", ".snap.tmp");
    try {
      dev.cairn.store.snapshot.Snapshots.save(mvccBackend, file);
      long size = Files.size(file);
      return new SnapshotStream(
          new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16),
          size,
          () -> Files.deleteIfExists(file));
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
  }

  @Override
  public CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest r) {
    if (leader != options.memberId()) {
      return CompletableFuture.failedFuture(new StoreException(StoreError.NOT_LEADER));
    }
    return moveLeaderHere(r);
  }

  /**
   * Hands leadership to the target, or with target 0 to the voter whose log is longest, and
   * completes once that member leads.
   */
  public CompletableFuture<MoveLeaderResponse> moveLeaderHere(MoveLeaderRequest r) {
    long self = options.memberId();
    return onRaftThread(
            () -> {
              if (node.role() != RaftNode.Role.LEADER) {
                throw new StoreException(StoreError.NOT_LEADER);
              }
              long target = r.getTargetID();
              ConfState conf = node.confState();
              if (target == 0) {
                long best = -1;
                for (long v : conf.voters()) {
                  if (v != self && node.matchIndex(v) > best) {
                    best = node.matchIndex(v);
                    target = v;
                  }
                }
              }
              if (target == self) {
                return self;
              }
              if (target == 0 || !conf.voters().contains(target)) {
                throw new StoreException(StoreError.BAD_LEADER_TRANSFEREE);
              }
              node.transferLeadership(target);
              return target;
            })
        .thenCompose(
            target -> {
              long t = target;
              // Raft abandons a transfer that takes longer than an election timeout (the target
              // was too far behind); ask again until the request times out.
              long every = options.electionTimeout().toMillis();
              java.util.concurrent.ScheduledFuture<?> retry =
                  timer.scheduleWithFixedDelay(
                      () ->
                          inbox.add(
                              new RaftTask(
                                  () -> {
                                    if (node.role() == RaftNode.Role.LEADER) {
                                      node.transferLeadership(t);
                                    }
                                  })),
                      every,
                      every,
                      TimeUnit.MILLISECONDS);
              return awaitLeader(l -> l == t).whenComplete((v, e) -> retry.cancel(false));
            })
        .thenApply(v -> MoveLeaderResponse.getDefaultInstance());
  }

  /** Refuses a write that would take the key space past its quota, raising NOSPACE once. */
  private void checkQuota(long cost) {
    long quota = options.membership().quotaBackendBytes();
    if (quota <= 0 || cachedDbSize + cost <= quota) {
      return;
    }
    if (!alarms.isActive(options.memberId(), AlarmType.NOSPACE)) {
      alarm(
          AlarmRequest.newBuilder()
              .setAction(AlarmRequest.AlarmAction.ACTIVATE)
              .setMemberID(options.memberId())
              .setAlarm(AlarmType.NOSPACE)
              .build());
      log.warn("the key space exceeds its quota of {} bytes: NOSPACE raised", quota);
    }
    throw new StoreException(StoreError.NO_SPACE);
  }

  /**
   * The leader compares its key-space hash with every other member's at one revision; a member that
   * differs gets the CORRUPT alarm, as etcd's periodic corruption check does.
   */
  private void checkCorruption() {
    if (leader != options.memberId() || !corruptCheckRunning.compareAndSet(false, true)) {
      return;
    }
    HashKVResponse mine;
    try {
      mine = hashKv(HashKVRequest.getDefaultInstance());
    } catch (RuntimeException e) {
      corruptCheckRunning.set(false);
      return;
    }
    HashKVRequest at = HashKVRequest.newBuilder().setRevision(mine.getHashRevision()).build();
    List<CompletableFuture<Void>> checks = new ArrayList<>();
    for (Member m : members.all()) {
      if (m.id() == options.memberId()) {
        continue;
      }
      checks.add(
          peers
              .hashKv(m.id(), at)
              .thenAccept(
                  theirs -> {
                    if (theirs.getCompactRevision() == mine.getCompactRevision()
                        && theirs.getHash() != mine.getHash()) {
                      log.error(
                          "member {} has hash {} at revision {}, the leader {}: raising CORRUPT",
                          m.idHex(),
                          Integer.toUnsignedString(theirs.getHash()),
                          mine.getHashRevision(),
                          Integer.toUnsignedString(mine.getHash()));
                      alarm(
                          AlarmRequest.newBuilder()
                              .setAction(AlarmRequest.AlarmAction.ACTIVATE)
                              .setMemberID(m.id())
                              .setAlarm(AlarmType.CORRUPT)
                              .build());
                    }
                  })
              .exceptionally(e -> null)); // unreachable or behind: checked next round
    }
    CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
        .whenComplete((v, e) -> corruptCheckRunning.set(false));
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
