package dev.cairn.store.raft;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The Raft state machine: ticks, messages, proposals and storage acknowledgements go in, {@link
 * Ready} comes out. It has no threads, clock, files or sockets; the caller owns all of them, which
 * is what lets a simulation drive many nodes deterministically from one seed.
 *
 * <p>It follows the Raft paper with the extensions etcd relies on: pre-vote, check-quorum with
 * leader leases, pipelined replication with probe and replicate states and an in-flight window,
 * ReadIndex, leadership transfer, learners and single-member configuration changes.
 *
 * <p>Threading: not thread-safe; one thread drives it.
 */
public final class RaftNode {
  public enum Role {
    FOLLOWER,
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
  }

  private final RaftConfig config;
  private final long id;
  private final RandomGenerator random;
  private final LogView log;

  private Role role = Role.FOLLOWER;
  private long term;
  private long vote;
  private long leader;

  /** Voters and learners, this node included when it is a member. */
  private final Map<Long, Progress> members = new TreeMap<>();

  private final Map<Long, Boolean> votes = new HashMap<>();

  private int electionElapsed;
  private int heartbeatElapsed;

  /** Periodic heartbeats sent as leader; limits how often a lagging follower is sent again. */
  private long heartbeatRound;

  private int randomizedElectionTimeout;

  private long leadTransferee;

  /** Index of the last configuration change proposed and not yet applied, else 0. */
  private long pendingConfIndex;

  /**
   * Index of this leader's first entry while its term and vote may not be stored yet, else 0. A
   * single voter elects itself without asking anyone, so nothing has waited for that write; until
   * the entry written with it is stored, every message waits for storage too. Otherwise a crash
   * could let it lead the same term again with other entries, which a learner would take for the
   * ones it already holds.
   */
  private long termStoredWith;

  private final ReadIndexQueue reads = new ReadIndexQueue();

  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private final List<Message> readsAwaitingCommit = new ArrayList<>();

  private List<Message> outbox = new ArrayList<>();
  private List<ReadState> readStates = new ArrayList<>();

  private HardState lastHardState;
  private SoftState lastSoftState;

  /**
   * Restores a node from its storage.
   *
   * @param hardState the last persisted hard state
   * @param conf the configuration as of {@code applied}; entries after it change it when applied
   * @param applied the last index whose effects the state machine holds
   */
  public RaftNode(
      RaftConfig config,
      LogStorage storage,
      HardState hardState,
      ConfState conf,
      long applied,
      RandomGenerator random) {
    this.config = config;
    this.id = config.id();
    this.random = random;
    this.log = new LogView(storage, hardState.commit(), applied);
    this.term = hardState.term();
    this.vote = hardState.vote();
    this.lastHardState = new HardState(term, vote, log.committed);
    this.lastSoftState = new SoftState(0, Role.FOLLOWER);
    applyConfState(conf);
    becomeFollower(term, 0);
  }

  // ---- queries ----

  public long id() {
    return id;
  }

  public Role role() {
    return role;
  }

  public long term() {
    return term;
  }

  /** The leader's id, or 0 when none is known. */
  public long leader() {
    return leader;
  }

  public long committed() {
    return log.committed;
  }

  public long lastIndex() {
    return log.lastIndex();
  }

  public long lastTerm() {
    return log.lastTerm();
  }

  /** The vote cast in the current term, or 0. */
  public long vote() {
    return vote;
  }

  /** The current configuration. */
  public ConfState confState() {
    List<Long> voters = new ArrayList<>();
    List<Long> learners = new ArrayList<>();
    members.forEach((k, p) -> (p.learner ? learners : voters).add(k));
    return new ConfState(Set.copyOf(voters), Set.copyOf(learners));
  }

  /** The leader's view of a member's log: its match index, or -1 when unknown. */
  public long matchIndex(long member) {
    Progress p = members.get(member);
    return role == Role.LEADER && p != null ? p.match : -1;
  }

  /** Whether this node may become leader: a voter with no snapshot waiting to be stored. */
  private boolean promotable() {
    Progress p = members.get(id);
    return p != null && !p.learner && !log.hasSnapshot();
  }

  private int quorum() {
    int voters = 0;
    for (Progress p : members.values()) {
      if (!p.learner) {
        voters++;
      }
    }
    return voters / 2 + 1;
  }

  // ---- input ----

  /** Advances the logical clock by one tick. */
  public void tick() {
    if (role == Role.LEADER) {
      tickLeader();
    } else {
      tickElection();
    }
  }

  private void tickElection() {
    electionElapsed++;
    if (promotable() && electionElapsed >= randomizedElectionTimeout) {
      electionElapsed = 0;
      campaign(config.preVote() ? Campaign.PRE_ELECTION : Campaign.ELECTION);
    }
  }

  private void tickLeader() {
    heartbeatElapsed++;
    electionElapsed++;
    if (electionElapsed >= config.electionTick()) {
      electionElapsed = 0;
      if (config.checkQuorum() && !quorumActive()) {
        becomeFollower(term, 0);
        return;
      }
      leadTransferee = 0; // a transfer that has not finished in an election timeout is abandoned
    }
    if (heartbeatElapsed >= config.heartbeatTick()) {
      heartbeatElapsed = 0;
      heartbeatRound++;
      broadcastHeartbeat(reads.lastContext());
    }
  }

  /** Starts an election now (with pre-vote when configured), as an election timeout would. */
  public void campaign() {
    if (role != Role.LEADER) {
      campaign(config.preVote() ? Campaign.PRE_ELECTION : Campaign.ELECTION);
    }
  }

  /**
   * Appends a proposal when leader, or forwards it to the leader.
   *
   * @return the index given to it by this leader, or 0 when forwarded
   * @throws NotLeaderException when no leader is known or leadership is being transferred
   */
  public long propose(byte[] data) {
    return propose(Entry.Type.NORMAL, data);
  }

  /**
   * Proposes a configuration change; it takes effect when applied. Only one may be pending: a
   * follower forwards it to the leader, which drops it while another is pending.
   *
   * @return the index given to it by this leader, or 0 when forwarded
   * @throws NotLeaderException when no leader is known
   * @throws IllegalStateException when this leader has another change pending
   */
  public long proposeConfChange(ConfChange cc) {
    if (role != Role.LEADER) {
      if (leader == 0 || leader == id) {
        throw new NotLeaderException(0);
      }
      send(
          Message.of(Message.Type.PROPOSE, id, leader, 0)
              .withEntries(List.of(new Entry(0, 0, Entry.Type.CONF_CHANGE, cc.encode()))));
      return 0;
    }
    if (pendingConfIndex > log.applied) {
      throw new IllegalStateException("another configuration change is still being applied");
    }
    long index = propose(Entry.Type.CONF_CHANGE, cc.encode());
    pendingConfIndex = index;
    return index;
  }

  private long propose(Entry.Type type, byte[] data) {
    if (role != Role.LEADER) {
      if (leader == 0 || leader == id) {
        throw new NotLeaderException(0);
      }
      if (type != Entry.Type.NORMAL) {
        throw new NotLeaderException(leader);
      }
      send(
          Message.of(Message.Type.PROPOSE, id, leader, 0)
              .withEntries(List.of(new Entry(0, 0, type, data))));
      return 0;
    }
    if (leadTransferee != 0 || !members.containsKey(id)) {
      throw new NotLeaderException(leadTransferee);
    }
    long index = appendEntry(type, data);
    broadcastAppend();
    return index;
  }

  private long appendEntry(Entry.Type type, byte[] data) {
    Entry e = new Entry(log.lastIndex() + 1, term, type, data);
    log.append(List.of(e));
    return e.index();
  }

  /**
   * Asks for the index a linearizable read must wait for; the answer comes as a {@link ReadState}
   * with the same context in a later Ready. Requests are batched by the caller: one context may
   * stand for many reads.
   *
   * @throws NotLeaderException when no leader is known
   */
  public void readIndex(byte[] context) {
    if (role == Role.LEADER) {
      handleReadIndex(Message.of(Message.Type.READ_INDEX, id, id, 0).withContext(context));
    } else if (leader != 0) {
      send(Message.of(Message.Type.READ_INDEX, id, leader, 0).withContext(context));
    } else {
      throw new NotLeaderException(0);
    }
  }

  /** Hands leadership to {@code target}: brings its log up to date, then tells it to campaign. */
  public void transferLeadership(long target) {
    if (role != Role.LEADER) {
      throw new NotLeaderException(leader);
    }
    Progress p = members.get(target);
    if (target == id || p == null || p.learner || target == leadTransferee) {
      return;
    }
    electionElapsed = 0; // the transfer gets one election timeout
    leadTransferee = target;
    if (p.match == log.lastIndex()) {
      send(Message.of(Message.Type.TIMEOUT_NOW, id, target, term));
    } else {
      sendAppend(target, true);
    }
  }

  /** The transport could not deliver to {@code peer}: stop streaming to it until it answers. */
  public void reportUnreachable(long peer) {
    Progress p = members.get(peer);
    if (role == Role.LEADER && p != null && p.state == Progress.State.REPLICATE) {
      p.becomeProbe();
    }
  }

  /** The snapshot sent to {@code peer} was delivered, or failed. */
  public void reportSnapshot(long peer, boolean delivered) {
    Progress p = members.get(peer);
    if (role != Role.LEADER || p == null || p.state != Progress.State.SNAPSHOT) {
      return;
    }
    if (!delivered) {
      p.pendingSnapshot = 0;
    }
    p.becomeProbe();
    p.probeSent = true; // wait for the follower's answer before probing again
  }

  /** Storage holds every entry up to {@code index} (of {@code entryTerm}), or that snapshot. */
  public void persisted(long index, long entryTerm) {
    log.stableTo(index, entryTerm);
    if (role == Role.LEADER) {
      Progress self = members.get(id);
      if (self != null && self.maybeUpdate(log.stableIndex()) && maybeCommit()) {
        broadcastAppend();
      }
    }
  }

  /** Applies a committed configuration change; the caller calls this when it applies the entry. */
  public ConfState applyConfChange(long index, ConfChange cc) {
    if (index >= pendingConfIndex) {
      pendingConfIndex = 0;
    }
    long target = cc.nodeId();
    switch (cc.type()) {
      case ADD_NODE -> {
        Progress p = members.get(target);
        if (p == null) {
          addMember(target, false);
        } else {
          p.learner = false;
        }
      }
      case ADD_LEARNER -> {
        if (!members.containsKey(target)) {
          addMember(target, true);
        }
      }
      case REMOVE_NODE -> {
        members.remove(target);
        votes.remove(target);
        if (target == leadTransferee) {
          leadTransferee = 0;
        }
        if (target == id && role == Role.LEADER) {
          becomeFollower(term, 0);
        }
      }
      case UPDATE_NODE -> {}
    }
    if (role == Role.LEADER && maybeCommit()) {
      broadcastAppend();
    }
    return confState();
  }

  private void addMember(long member, boolean learner) {
    Progress p = new Progress(log.lastIndex() + 1, config.maxInflight(), learner);
    p.recentActive = true; // a new member must not make the leader step down at once
    members.put(member, p);
  }

  private void applyConfState(ConfState conf) {
    members.clear();
    conf.voters().forEach(v -> addMember(v, false));
    conf.learners().forEach(l -> addMember(l, true));
  }

  // ---- output ----

  public boolean hasReady() {
    return !outbox.isEmpty()
        || !readStates.isEmpty()
        || log.hasUnstable()
        || log.hasSnapshot()
        || log.hasCommitted()
        || !currentHardState().equals(lastHardState)
        || !currentSoftState().equals(lastSoftState);
  }

  private HardState currentHardState() {
    return new HardState(term, vote, log.committed);
  }

  private SoftState currentSoftState() {
    return new SoftState(leader, role);
  }

  /**
   * Collects the work to do and marks it handed over.
   *
   * @param maxApplyBytes bound on the data of committed entries handed out at once
   */
  public Ready ready(long maxApplyBytes) {
    SoftState ss = currentSoftState();
    SoftState softState = ss.equals(lastSoftState) ? null : ss;
    lastSoftState = ss;
    HardState hs = currentHardState();
    HardState hardState = hs.equals(lastHardState) ? null : hs;
    lastHardState = hs;
    Snapshot snapshot = log.takeSnapshot();
    List<Entry> entries = log.takeUnstable();
    List<Entry> committed = snapshot != null ? List.of() : log.takeCommitted(maxApplyBytes);
    List<Message> now = new ArrayList<>();
    List<Message> afterPersist = new ArrayList<>();
    if (termStoredWith != 0 && log.stableIndex() >= termStoredWith) {
      termStoredWith = 0;
    }
    for (Message m : outbox) {
      (termStoredWith != 0 || m.needsPersistedState() ? afterPersist : now).add(m);
    }
    outbox = new ArrayList<>();
    List<ReadState> rs = readStates;
    readStates = new ArrayList<>();
    return new Ready(softState, hardState, snapshot, entries, committed, now, afterPersist, rs);
  }

  public Ready ready() {
    return ready(Long.MAX_VALUE);
  }

  private void send(Message m) {
    outbox.add(m);
  }

  // ---- role changes ----

  private void reset(long newTerm) {
    if (term != newTerm) {
      term = newTerm;
      vote = 0;
    }
    leader = 0;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    randomizedElectionTimeout = config.electionTick() + random.nextInt(config.electionTick());
    leadTransferee = 0;
    votes.clear();
    for (var e : members.entrySet()) {
      Progress p = e.getValue();
      boolean learner = p.learner;
      Progress fresh = new Progress(log.lastIndex() + 1, config.maxInflight(), learner);
      if (e.getKey() == id) {
        fresh.match = log.stableIndex();
      }
      e.setValue(fresh);
    }
    pendingConfIndex = 0;
    termStoredWith = 0;
    reads.clear();
    readsAwaitingCommit.clear();
  }

  private void becomeFollower(long newTerm, long newLeader) {
    reset(newTerm);
    leader = newLeader;
    role = Role.FOLLOWER;
  }

  private void becomePreCandidate() {
    // Neither the term nor the vote changes: a pre-vote that fails leaves no trace.
    votes.clear();
    leader = 0;
    role = Role.PRE_CANDIDATE;
  }

  private void becomeCandidate() {
    reset(term + 1);
    vote = id;
    role = Role.CANDIDATE;
  }

  private void becomeLeader() {
    reset(term);
    leader = id;
    role = Role.LEADER;
    Progress self = members.get(id);
    if (self != null) {
      self.becomeReplicate();
      self.match = log.stableIndex();
      self.recentActive = true;
    }
    // Entries of earlier terms commit only once an entry of this term does (Raft §5.4.2).
    appendEntry(Entry.Type.NORMAL, new byte[0]);
    if (quorum() == 1) {
      termStoredWith = log.lastIndex();
    }
    // A configuration change may be hidden in the uncommitted tail; wait until it is applied.
    pendingConfIndex = log.lastIndex();
  }

  private enum Campaign {
    PRE_ELECTION,
    ELECTION,
    /** Started by a leadership transfer: skips pre-vote and breaks voters' leader leases. */
    TRANSFER
  }

  private void campaign(Campaign kind) {
    if (!promotable()) {
      return;
    }
    boolean pre = kind == Campaign.PRE_ELECTION;
    boolean transfer = kind == Campaign.TRANSFER;
    long voteTerm;
    Message.Type type;
    if (pre) {
      becomePreCandidate();
      voteTerm = term + 1;
      type = Message.Type.PRE_VOTE;
    } else {
      becomeCandidate();
      voteTerm = term;
      type = Message.Type.VOTE;
    }
    votes.put(id, true);
    if (tallyVotes() == VoteResult.WON) {
      if (pre) {
        campaign(Campaign.ELECTION);
      } else {
        becomeLeader();
      }
      return;
    }
    long lastIndex = log.lastIndex();
    long lastTerm = log.lastTerm();
    for (var e : members.entrySet()) {
      if (e.getKey() == id || e.getValue().learner) {
        continue;
      }
      send(
          Message.of(type, id, e.getKey(), voteTerm)
              .withLog(lastTerm, lastIndex)
              .withContext(transfer ? Message.TRANSFER_CONTEXT : Message.NO_CONTEXT));
    }
  }

  private enum VoteResult {
    PENDING,
    WON,
    LOST
  }

  private VoteResult tallyVotes() {
    int granted = 0;
    int rejected = 0;
    for (var e : members.entrySet()) {
      if (e.getValue().learner) {
        continue;
      }
      Boolean v = votes.get(e.getKey());
      if (v == null) {
        continue;
      }
      if (v) {
        granted++;
      } else {
        rejected++;
      }
    }
    int q = quorum();
    if (granted >= q) {
      return VoteResult.WON;
    }
    if (rejected >= q) {
      return VoteResult.LOST;
    }
    return VoteResult.PENDING;
  }

  // ---- messages ----

  /** Delivers a message from a peer. */
  public void step(Message m) {
    if (m.term() > term) {
      boolean isVote = m.type() == Message.Type.VOTE || m.type() == Message.Type.PRE_VOTE;
      if (isVote) {
        boolean forced = Arrays.equals(m.context(), Message.TRANSFER_CONTEXT);
        boolean inLease =
            config.checkQuorum() && leader != 0 && electionElapsed < config.electionTick();
        if (!forced && inLease) {
          return; // a leader is alive: this candidate was cut off, so do not let it disrupt us
        }
      }
      if (m.type() == Message.Type.PRE_VOTE) {
        // A pre-vote never changes our term.
      } else if (m.type() == Message.Type.PRE_VOTE_RESPONSE && !m.reject()) {
        // The grant of our pre-vote, at the term we would campaign in.
      } else if (m.type() == Message.Type.APPEND
          || m.type() == Message.Type.HEARTBEAT
          || m.type() == Message.Type.SNAPSHOT) {
        becomeFollower(m.term(), m.from());
      } else {
        becomeFollower(m.term(), 0);
      }
    } else if (m.term() < term && m.term() != 0) {
      if ((config.checkQuorum() || config.preVote())
          && (m.type() == Message.Type.APPEND || m.type() == Message.Type.HEARTBEAT)) {
        // Tell a stale leader our term, or it never learns that it was deposed.
        send(Message.of(Message.Type.APPEND_RESPONSE, id, m.from(), term));
      } else if (m.type() == Message.Type.PRE_VOTE) {
        send(Message.of(Message.Type.PRE_VOTE_RESPONSE, id, m.from(), term).withReject(0));
      } else if (m.type() == Message.Type.VOTE) {
        // Tell a stale candidate our term (Raft §5.1). Otherwise a candidate with the longest log
        // may never hear of the term that nodes outside its configuration view have reached.
        send(Message.of(Message.Type.VOTE_RESPONSE, id, m.from(), term).withReject(0));
      }
      return;
    }

    if (m.type() == Message.Type.VOTE || m.type() == Message.Type.PRE_VOTE) {
      handleVote(m);
      return;
    }
    switch (role) {
      case LEADER -> stepLeader(m);
      case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
      case FOLLOWER -> stepFollower(m);
    }
  }

  private void handleVote(Message m) {
    boolean pre = m.type() == Message.Type.PRE_VOTE;
    boolean canVote = vote == m.from() || (vote == 0 && leader == 0) || (pre && m.term() > term);
    Message.Type resp = pre ? Message.Type.PRE_VOTE_RESPONSE : Message.Type.VOTE_RESPONSE;
    if (canVote && log.isUpToDate(m.logTerm(), m.index())) {
      send(Message.of(resp, id, m.from(), m.term()));
      if (!pre) {
        electionElapsed = 0;
        vote = m.from();
      }
    } else {
      send(Message.of(resp, id, m.from(), term).withReject(0));
    }
  }

  private void stepCandidate(Message m) {
    switch (m.type()) {
      case PROPOSE -> {} // dropped: the proposer times out and retries
      case APPEND -> {
        becomeFollower(m.term(), m.from());
        handleAppend(m);
      }
      case HEARTBEAT -> {
        becomeFollower(m.term(), m.from());
        handleHeartbeat(m);
      }
      case SNAPSHOT -> {
        becomeFollower(m.term(), m.from());
        handleSnapshot(m);
      }
      case VOTE_RESPONSE, PRE_VOTE_RESPONSE -> {
        boolean mine = (role == Role.PRE_CANDIDATE) == (m.type() == Message.Type.PRE_VOTE_RESPONSE);
        if (!mine || !members.containsKey(m.from())) {
          return;
        }
        votes.putIfAbsent(m.from(), !m.reject());
        switch (tallyVotes()) {
          case WON -> {
            if (role == Role.PRE_CANDIDATE) {
              campaign(Campaign.ELECTION);
            } else {
              becomeLeader();
              broadcastAppend();
            }
          }
          case LOST -> becomeFollower(term, 0);
          case PENDING -> {}
        }
      }
      default -> {}
    }
  }

  private void stepFollower(Message m) {
    switch (m.type()) {
      case PROPOSE -> {
        if (leader != 0) {
          send(withTo(m, leader));
        }
      }
      case APPEND -> {
        electionElapsed = 0;
        leader = m.from();
        handleAppend(m);
      }
      case HEARTBEAT -> {
        electionElapsed = 0;
        leader = m.from();
        handleHeartbeat(m);
      }
      case SNAPSHOT -> {
        electionElapsed = 0;
        leader = m.from();
        handleSnapshot(m);
      }
      case TIMEOUT_NOW -> campaign(Campaign.TRANSFER);
      case READ_INDEX -> {
        if (leader != 0) {
          send(withTo(m, leader));
        }
      }
      case READ_INDEX_RESPONSE -> readStates.add(new ReadState(m.index(), m.context()));
      default -> {}
    }
  }

  private static Message withTo(Message m, long to) {
    return new Message(
        m.type(),
        m.from(),
        to,
        m.term(),
        m.logTerm(),
        m.index(),
        m.entries(),
        m.commit(),
        m.reject(),
        m.rejectHint(),
        m.context(),
        m.snapshot());
  }

  private void handleAppend(Message m) {
    if (m.index() < log.committed) {
      send(Message.of(Message.Type.APPEND_RESPONSE, id, m.from(), term).withLog(0, log.committed));
      return;
    }
    long lastNew = log.maybeAppend(m.index(), m.logTerm(), m.commit(), m.entries());
    if (lastNew >= 0) {
      send(Message.of(Message.Type.APPEND_RESPONSE, id, m.from(), term).withLog(0, lastNew));
      return;
    }
    long hint = log.findConflictByTerm(Math.min(m.index(), log.lastIndex()), m.logTerm());
    send(
        Message.of(Message.Type.APPEND_RESPONSE, id, m.from(), term)
            .withLog(log.term(hint), m.index())
            .withReject(hint));
  }

  private void handleHeartbeat(Message m) {
    log.commitTo(Math.min(m.commit(), log.lastIndex()));
    send(Message.of(Message.Type.HEARTBEAT_RESPONSE, id, m.from(), term).withContext(m.context()));
  }

  private void handleSnapshot(Message m) {
    Snapshot s = m.snapshot();
    if (s != null && restore(s)) {
      send(
          Message.of(Message.Type.APPEND_RESPONSE, id, m.from(), term).withLog(0, log.lastIndex()));
    } else {
      send(Message.of(Message.Type.APPEND_RESPONSE, id, m.from(), term).withLog(0, log.committed));
    }
  }

  private boolean restore(Snapshot s) {
    if (s.index() <= log.committed) {
      return false;
    }
    if (log.matchTerm(s.index(), s.term())) {
      // The log already holds the snapshot's last entry: just fast-forward the commit.
      log.commitTo(s.index());
      return false;
    }
    log.restore(s);
    applyConfState(s.conf());
    for (var e : members.entrySet()) {
      e.getValue().next = log.lastIndex() + 1;
    }
    return true;
  }

  // ---- leader ----

  private void stepLeader(Message m) {
    switch (m.type()) {
      case PROPOSE -> {
        if (leadTransferee != 0 || !members.containsKey(id)) {
          return;
        }
        for (Entry e : m.entries()) {
          if (e.type() == Entry.Type.CONF_CHANGE) {
            if (pendingConfIndex > log.applied) {
              continue; // one change at a time: the proposer times out
            }
            pendingConfIndex = appendEntry(e.type(), e.data());
            continue;
          }
          appendEntry(e.type(), e.data());
        }
        broadcastAppend();
      }
      case READ_INDEX -> handleReadIndex(m);
      case APPEND_RESPONSE -> handleAppendResponse(m);
      case HEARTBEAT_RESPONSE -> handleHeartbeatResponse(m);
      default -> {}
    }
  }

  private boolean committedInCurrentTerm() {
    return log.term(log.committed) == term;
  }

  private void handleReadIndex(Message m) {
    if (!committedInCurrentTerm()) {
      // The commit index may lag what earlier leaders committed until an entry of ours commits.
      readsAwaitingCommit.add(m);
      return;
    }
    if (quorum() == 1 && members.containsKey(id) && !members.get(id).learner) {
      answerRead(m.from(), log.committed, m.context());
      return;
    }
    reads.add(m.from(), log.committed, m.context(), id);
    broadcastHeartbeat(m.context());
  }

  private void answerRead(long from, long index, byte[] context) {
    if (from == id || from == 0) {
      readStates.add(new ReadState(index, context));
    } else {
      send(
          Message.of(Message.Type.READ_INDEX_RESPONSE, id, from, term)
              .withLog(0, index)
              .withContext(context));
    }
  }

  private void handleHeartbeatResponse(Message m) {
    Progress p = members.get(m.from());
    if (p == null) {
      return;
    }
    p.recentActive = true;
    p.probeSent = false;
    if (p.state == Progress.State.REPLICATE && p.isPaused()) {
      p.freeFirstInflight();
    }
    boolean forRead = m.context().length > 0;
    if (p.match < log.lastIndex() && (!forRead || p.resentInRound != heartbeatRound)) {
      // Even with nothing new to send: a probe must reach the follower for the leader to learn
      // where its log ends, and the last one may have been lost. For reads, once per heartbeat
      // interval: each linearizable read sends a heartbeat round of its own, and answering every
      // one with the same entries would send a lagging follower its catch-up many times over.
      if (forRead) {
        p.resentInRound = heartbeatRound;
      }
      sendAppend(m.from(), true);
    }
    if (m.context().length == 0) {
      return;
    }
    Set<Long> acks = reads.ack(m.from(), m.context());
    if (acks == null || countVoters(acks) < quorum()) {
      return;
    }
    for (ReadIndexQueue.Pending r : reads.releaseThrough(m.context())) {
      answerRead(r.from(), r.index(), r.context());
    }
  }

  private int countVoters(Set<Long> ids) {
    int n = 0;
    for (long v : ids) {
      Progress p = members.get(v);
      if (p != null && !p.learner) {
        n++;
      }
    }
    return n;
  }

  private void handleAppendResponse(Message m) {
    Progress p = members.get(m.from());
    if (p == null) {
      return;
    }
    p.recentActive = true;
    if (m.reject()) {
      long hint = m.rejectHint();
      if (m.logTerm() > 0) {
        // Skip every entry of ours whose term the follower cannot have at that index.
        hint = log.findConflictByTerm(hint, m.logTerm());
      }
      if (p.maybeDecrTo(m.index(), hint)) {
        if (p.state == Progress.State.REPLICATE) {
          p.becomeProbe();
        }
        sendAppend(m.from(), false);
      }
      return;
    }
    boolean wasPaused = p.isPaused();
    if (!p.maybeUpdate(m.index())) {
      return;
    }
    switch (p.state) {
      case PROBE -> p.becomeReplicate();
      case SNAPSHOT -> {
        if (p.match + 1 >= log.firstIndex()) {
          p.becomeProbe();
          p.becomeReplicate();
        }
      }
      case REPLICATE -> p.freeInflightTo(m.index());
    }
    if (maybeCommit()) {
      broadcastAppend();
    } else if (wasPaused) {
      sendAppend(m.from(), false);
    }
    // Keep the pipeline full: send what the window allows.
    while (sendAppend(m.from(), false)) {
      // each call sends one message
    }
    if (m.from() == leadTransferee && p.match == log.lastIndex()) {
      send(Message.of(Message.Type.TIMEOUT_NOW, id, m.from(), term));
    }
  }

  private boolean maybeCommit() {
    List<Long> matches = new ArrayList<>();
    for (Progress p : members.values()) {
      if (!p.learner) {
        matches.add(p.match);
      }
    }
    if (matches.isEmpty()) {
      return false;
    }
    matches.sort(null);
    long candidate = matches.get(matches.size() - quorum());
    if (candidate > log.committed && log.term(candidate) == term) {
      log.commitTo(candidate);
      releaseReadsAwaitingCommit();
      return true;
    }
    return false;
  }

  private void releaseReadsAwaitingCommit() {
    if (readsAwaitingCommit.isEmpty() || !committedInCurrentTerm()) {
      return;
    }
    List<Message> waiting = new ArrayList<>(readsAwaitingCommit);
    readsAwaitingCommit.clear();
    for (Message r : waiting) {
      handleReadIndex(r);
    }
  }

  private boolean quorumActive() {
    int active = 0;
    for (var e : members.entrySet()) {
      Progress p = e.getValue();
      if (!p.learner && (e.getKey() == id || p.recentActive)) {
        active++;
      }
      if (e.getKey() != id) {
        p.recentActive = false;
      }
    }
    return active >= quorum();
  }

  private void broadcastAppend() {
    for (long peer : members.keySet()) {
      if (peer != id) {
        sendAppend(peer, true);
      }
    }
  }

  private void broadcastHeartbeat(byte[] context) {
    for (var e : members.entrySet()) {
      if (e.getKey() == id) {
        continue;
      }
      long commit = Math.min(e.getValue().match, log.committed);
      send(
          Message.of(Message.Type.HEARTBEAT, id, e.getKey(), term)
              .withCommit(commit)
              .withContext(context == null ? Message.NO_CONTEXT : context));
    }
  }

  /**
   * Sends the follower the entries it needs next, or a snapshot when they are compacted.
   *
   * @param evenIfEmpty send an append with no entries (to carry the commit index)
   * @return whether a message was sent
   */
  private boolean sendAppend(long to, boolean evenIfEmpty) {
    Progress p = members.get(to);
    if (p == null || p.isPaused()) {
      return false;
    }
    long prev = p.next - 1;
    long prevTerm = log.term(prev);
    List<Entry> entries = log.entries(p.next, log.lastIndex() + 1, config.maxSizePerMsg());
    if (prevTerm < 0 || entries == null) {
      return sendSnapshot(to, p);
    }
    if (entries.isEmpty() && !evenIfEmpty) {
      return false;
    }
    send(
        Message.of(Message.Type.APPEND, id, to, term)
            .withLog(prevTerm, prev)
            .withEntries(entries)
            .withCommit(log.committed));
    p.sent(entries.isEmpty() ? prev : entries.get(entries.size() - 1).index(), !entries.isEmpty());
    return true;
  }

  private boolean sendSnapshot(long to, Progress p) {
    if (!p.recentActive) {
      return false; // do not ship a snapshot to a member that does not answer
    }
    Snapshot s = log.storageSnapshot();
    if (s == null) {
      return false; // not available yet; the next heartbeat response retries
    }
    send(Message.of(Message.Type.SNAPSHOT, id, to, term).withSnapshot(s));
    p.becomeSnapshot(s.index());
    return true;
  }

  @Override
  public String toString() {
    return Long.toHexString(id)
        + " "
        + role
        + " term="
        + term
        + " vote="
        + Long.toHexString(vote)
        + " leader="
        + Long.toHexString(leader)
        + " commit="
        + log.committed
        + " last="
        + log.lastIndex()
        + " members="
        + members;
  }
}
