package dev.cairn.store.raft;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Raft nodes wired to a {@link SimulatedNetwork}, driven one step at a time by a test or by {@link
 * ChaosSchedule}. Everything that could vary between runs (message order, node randomness) comes
 * from one seeded generator, so a run is repeated exactly by its seed.
 *
 * <p>Each node's Ready is handled at once: messages go on the wire, committed entries are applied,
 * and the storage write is queued. Queued writes complete when {@link #completeWrite} says so (or
 * at once with synchronous writes); only then are the messages that wait for storage sent and the
 * node told through {@link RaftNode#persisted}. A crash loses the queue.
 *
 * <p>Every step ends with the checks of {@link RaftInvariants}; some also run inside a step, the
 * moment something is applied, stored or sent.
 */
final class SimulatedCluster {
  private final long seed;
  private final SplittableRandom random;
  private final TreeMap<Long, SimulatedNode> nodes = new TreeMap<>();
  private final TreeMap<Long, RaftConfig> configs = new TreeMap<>();
  private final boolean syncWrites;
  private final SimulatedNetwork network = new SimulatedNetwork();
  private final RaftInvariants invariants;
  private final ArrayDeque<String> recent = new ArrayDeque<>();
  private final boolean printTrace = Boolean.getBoolean("raft.trace");
  private final EnumMap<Message.Type, Integer> delivered = new EnumMap<>(Message.Type.class);
  private long step;
  private long history;
  private int readCounter;
  private int readsAnswered;

  private SimulatedCluster(Builder b) {
    this.seed = b.seed;
    this.random = b.random != null ? b.random : new SplittableRandom(b.seed);
    this.syncWrites = b.syncWrites;
    this.invariants = new RaftInvariants(this::where);
    Set<Long> voters = new HashSet<>();
    Set<Long> learners = new HashSet<>();
    int total = b.voters + b.learners + b.spares;
    for (long id = 1; id <= total; id++) {
      if (id <= b.voters) {
        voters.add(id);
      } else if (id <= b.voters + b.learners) {
        learners.add(id);
      }
    }
    // Every node, spares too, starts from the initial configuration: it is the state before index
    // 1, and a spare that is added later replays the log from there.
    ConfState boot = new ConfState(voters, learners);
    for (long id = 1; id <= total; id++) {
      configs.put(
          id,
          new RaftConfig(
              id,
              b.electionTick,
              b.heartbeatTick,
              b.maxSizePerMsg,
              b.maxInflight,
              b.preVote,
              b.checkQuorum));
      SimulatedNode n = new SimulatedNode(id, boot);
      nodes.put(id, n);
      n.start(configs.get(id), new SplittableRandom(random.nextLong()));
    }
  }

  static Builder builder() {
    return new Builder();
  }

  /** How a cluster starts; every option has a default. */
  static final class Builder {
    private long seed = 1;
    private SplittableRandom random;
    private int voters = 3;
    private int learners;
    private int spares;
    private int electionTick = 10;
    private int heartbeatTick = 1;
    private long maxSizePerMsg = 1 << 20;
    private int maxInflight = 256;
    private boolean preVote = true;
    private boolean checkQuorum = true;
    private boolean syncWrites = true;

    /** Seeds the generator that the nodes' randomized election timeouts come from. */
    Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Shares a generator with a schedule, so one seed drives both. */
    Builder random(long seed, SplittableRandom random) {
      this.seed = seed;
      this.random = random;
      return this;
    }

    Builder voters(int n) {
      this.voters = n;
      return this;
    }

    Builder learners(int n) {
      this.learners = n;
      return this;
    }

    /** Nodes that are not members at first, to be added by configuration changes. */
    Builder spares(int n) {
      this.spares = n;
      return this;
    }

    Builder electionTick(int ticks) {
      this.electionTick = ticks;
      return this;
    }

    Builder heartbeatTick(int ticks) {
      this.heartbeatTick = ticks;
      return this;
    }

    Builder maxSizePerMsg(long bytes) {
      this.maxSizePerMsg = bytes;
      return this;
    }

    Builder maxInflight(int n) {
      this.maxInflight = n;
      return this;
    }

    Builder preVote(boolean on) {
      this.preVote = on;
      return this;
    }

    Builder checkQuorum(boolean on) {
      this.checkQuorum = on;
      return this;
    }

    /** Whether storage writes complete as soon as they are queued. */
    Builder syncWrites(boolean on) {
      this.syncWrites = on;
      return this;
    }

    SimulatedCluster build() {
      return new SimulatedCluster(this);
    }
  }

  // ---- queries ----

  long seed() {
    return seed;
  }

  long step() {
    return step;
  }

  SplittableRandom random() {
    return random;
  }

  SimulatedNetwork network() {
    return network;
  }

  RaftInvariants invariants() {
    return invariants;
  }

  SimulatedNode node(long id) {
    SimulatedNode n = nodes.get(id);
    if (n == null) {
      throw new IllegalArgumentException("no node " + id);
    }
    return n;
  }

  RaftNode raft(long id) {
    return node(id).raft();
  }

  Collection<SimulatedNode> nodes() {
    return nodes.values();
  }

  List<Long> ids() {
    return List.copyOf(nodes.keySet());
  }

  List<SimulatedNode> upNodes() {
    return nodes.values().stream().filter(SimulatedNode::isUp).toList();
  }

  /** The running node that leads the highest term, or 0 when none does. */
  long leaderId() {
    long best = 0;
    long bestTerm = -1;
    for (SimulatedNode n : nodes.values()) {
      if (n.isUp() && n.raft().role() == RaftNode.Role.LEADER && n.raft().term() > bestTerm) {
        best = n.id;
        bestTerm = n.raft().term();
      }
    }
    return best;
  }

  /** The values node {@code id} applied since it last started, in order. */
  List<String> applied(long id) {
    return List.copyOf(node(id).appliedValues);
  }

  List<ReadState> readStates(long id) {
    return List.copyOf(node(id).readStates);
  }

  /** How many messages of a type were delivered so far. */
  int delivered(Message.Type type) {
    return delivered.getOrDefault(type, 0);
  }

  int readsAnswered() {
    return readsAnswered;
  }

  /** Messages on the wire, oldest first. */
  List<Message> inFlight() {
    return network.messages();
  }

  // ---- inputs: each is one step, followed by the invariant checks ----

  void tick(long id) {
    beginStep("tick " + id);
    SimulatedNode n = node(id);
    n.raft().tick();
    drain(n);
    endStep();
  }

  /** Advances every running node's clock by one tick. */
  void tickAll() {
    beginStep("tick all");
    for (SimulatedNode n : upNodes()) {
      if (n.isUp()) {
        n.raft().tick();
        drain(n);
      }
    }
    endStep();
  }

  void campaign(long id) {
    beginStep("campaign " + id);
    SimulatedNode n = node(id);
    n.raft().campaign();
    drain(n);
    endStep();
  }

  /**
   * A client proposes {@code value} at node {@code id}; a follower forwards it.
   *
   * @return the index the leader gave it, or 0 when forwarded
   * @throws NotLeaderException when the node knows no leader
   */
  long propose(long id, String value) {
    beginStep("propose " + value + " at " + id);
    try {
      SimulatedNode n = node(id);
      long index = n.raft().propose(value.getBytes(UTF_8));
      drain(n);
      return index;
    } finally {
      endStep();
    }
  }

  long proposeConfChange(long id, ConfChange cc) {
    beginStep("propose " + cc.type() + " " + cc.nodeId() + " at " + id);
    try {
      SimulatedNode n = node(id);
      long index = n.raft().proposeConfChange(cc);
      drain(n);
      return index;
    } finally {
      endStep();
    }
  }

  /**
   * A client asks node {@code id} for a linearizable read; the answer shows up in {@link
   * #readStates}.
   *
   * @return the read's context
   * @throws NotLeaderException when the node knows no leader
   */
  byte[] readIndex(long id) {
    byte[] ctx = ("read-" + ++readCounter).getBytes(UTF_8);
    beginStep("read " + new String(ctx, UTF_8) + " at " + id);
    try {
      long committedNow = 0;
      for (SimulatedNode n : upNodes()) {
        committedNow = Math.max(committedNow, n.raft().committed());
      }
      invariants.readRequested(ctx, committedNow);
      SimulatedNode n = node(id);
      n.raft().readIndex(ctx);
      drain(n);
      return ctx;
    } finally {
      endStep();
    }
  }

  void transferLeadership(long leader, long target) {
    beginStep("transfer from " + leader + " to " + target);
    try {
      SimulatedNode n = node(leader);
      n.raft().transferLeadership(target);
      drain(n);
    } finally {
      endStep();
    }
  }

  /** Delivers the message at position {@code i} on the wire (dropped if its link is cut). */
  void deliver(int i) {
    deliver(i, false, true);
  }

  /**
   * Delivers the message at position {@code i}.
   *
   * @param reportUnreachable when the link is cut, tell the sender as a transport would
   * @param handleReady whether the receiver handles its Ready at once; if not, more messages may
   *     arrive before it does, and one Ready then answers several of them
   */
  void deliver(int i, boolean reportUnreachable, boolean handleReady) {
    SimulatedNetwork.Envelope e = network.take(i);
    Message m = e.message();
    SimulatedNode to = nodes.get(m.to());
    if (network.isBlocked(m.from(), m.to()) || to == null || !to.isUp()) {
      beginStep("lose " + m);
      lost(e, reportUnreachable);
      endStep();
      return;
    }
    beginStep("deliver " + m);
    delivered.merge(m.type(), 1, Integer::sum);
    to.raft().step(m);
    if (handleReady) {
      drain(to);
    }
    if (m.type() == Message.Type.SNAPSHOT) {
      reportSnapshot(e, true);
    }
    endStep();
  }

  /** Loses the message at position {@code i}. */
  void drop(int i) {
    SimulatedNetwork.Envelope e = network.take(i);
    beginStep("drop " + e.message());
    lost(e, false);
    endStep();
  }

  /** Delivers the message at position {@code i} and leaves a copy at position {@code copyAt}. */
  void duplicate(int i, int copyAt) {
    SimulatedNetwork.Envelope e = network.take(i);
    network.insert(Math.min(copyAt, network.size()), e);
    network.insert(i, e);
    deliver(i);
  }

  /** Delivers what is on the wire, in order, and what that sends, until the wire is empty. */
  void deliverAll() {
    deliverUntil(() -> false);
  }

  /** Delivers messages in order until {@code done} holds or none are left. */
  void deliverUntil(BooleanSupplier done) {
    for (int guard = 0; !network.isEmpty() && !done.getAsBoolean(); guard++) {
      if (guard > 1_000_000) {
        throw new AssertionError("messages never stop (" + where() + ")");
      }
      deliver(0);
    }
  }

  /** Node {@code id} handles its Ready, if it has one. */
  void handleReady(long id) {
    beginStep("ready at " + id);
    drain(node(id));
    endStep();
  }

  /** Completes node {@code id}'s oldest queued storage write. */
  void completeWrite(long id) {
    beginStep("write at " + id);
    completeWrite(node(id));
    endStep();
  }

  void completeAllWrites() {
    for (SimulatedNode n : nodes.values()) {
      while (n.isUp() && !n.writes.isEmpty()) {
        completeWrite(n.id);
      }
    }
  }

  /** Completes writes and delivers messages until nothing is left to do. */
  void stabilize() {
    for (int guard = 0; ; guard++) {
      if (guard > 10_000) {
        throw new AssertionError("the cluster never settles (" + where() + ")");
      }
      completeAllWrites();
      if (network.isEmpty()) {
        return;
      }
      deliverAll();
    }
  }

  /**
   * Ticks every node and settles the cluster after each tick until {@code done} holds.
   *
   * @throws AssertionError after {@code maxTicks}
   */
  void tickUntil(BooleanSupplier done, int maxTicks, String what) {
    for (int t = 0; !done.getAsBoolean(); t++) {
      if (t >= maxTicks) {
        throw new AssertionError("no " + what + " after " + maxTicks + " ticks: " + this);
      }
      tickAll();
      stabilize();
    }
  }

  /** Ticks until some node leads; returns its id. */
  long awaitLeader() {
    tickUntil(
        () -> leaderId() != 0, 100 * configs.firstEntry().getValue().electionTick(), "leader");
    return leaderId();
  }

  void crash(long id) {
    beginStep("crash " + id);
    node(id).crash();
    endStep();
  }

  void restart(long id) {
    beginStep("restart " + id);
    SimulatedNode n = node(id);
    if (n.isUp()) {
      n.crash();
    }
    n.start(configs.get(id), new SplittableRandom(random.nextLong()));
    drain(n);
    endStep();
  }

  /** Snapshots node {@code id}'s state machine and compacts its log up to what it applied. */
  void compact(long id) {
    beginStep("compact " + id);
    SimulatedNode n = node(id);
    if (n.applied > n.storage.firstIndex() - 1) {
      n.storage.compact(n.applied, n.conf, n.snapshotData());
      invariants.snapshotState(n, n.storage.snapshot(), "made");
    }
    endStep();
  }

  /** Cuts {@code id} off from every other node, both ways. */
  void isolate(long id) {
    List<Long> others = new ArrayList<>(nodes.keySet());
    others.remove(id);
    partition(List.of(id), others);
  }

  void partition(Collection<Long> side, Collection<Long> otherSide) {
    trace("partition " + side + " | " + otherSide);
    network.split(side, otherSide);
  }

  void blockOneWay(long from, long to) {
    trace("block " + from + " -> " + to);
    network.blockOneWay(from, to);
  }

  void heal() {
    trace("heal");
    network.heal();
  }

  // ---- the Ready loop ----

  private void drain(SimulatedNode n) {
    for (int guard = 0; n.isUp(); guard++) {
      if (guard > 10_000) {
        throw new AssertionError("node " + n.id + " always has a Ready (" + where() + ")");
      }
      observe(n, false);
      if (!n.raft().hasReady()) {
        return;
      }
      Ready rd = n.raft().ready();
      observe(n, true);
      for (Message m : rd.messages()) {
        send(n, m);
      }
      if (rd.needsWrite()) {
        n.writes.add(
            new SimulatedNode.Write(
                rd.snapshot(), rd.entries(), rd.hardState(), rd.messagesAfterPersist()));
      }
      for (Entry e : rd.committed()) {
        apply(n, e);
      }
      for (ReadState rs : rd.readStates()) {
        invariants.readAnswered(n, rs);
        n.readStates.add(rs);
        readsAnswered++;
      }
      if (syncWrites) {
        while (n.isUp() && !n.writes.isEmpty()) {
          completeWrite(n);
        }
      }
    }
  }

  /**
   * @param handedOut whether the node has just handed out its whole log, so that storage and the
   *     queued writes show all of it
   */
  private void observe(SimulatedNode n, boolean handedOut) {
    if (n.raft().role() == RaftNode.Role.LEADER) {
      invariants.leaderSeen(n, n.raft().term(), handedOut);
    }
  }

  private void send(SimulatedNode from, Message m) {
    if (m.type() == Message.Type.APPEND) {
      invariants.entriesSeen(m.index(), m.logTerm(), m.entries(), "an append from " + from.id);
    }
    network.send(new SimulatedNetwork.Envelope(m, from.life()));
  }

  private void apply(SimulatedNode n, Entry e) {
    long before = n.applied;
    n.apply(e);
    invariants.applied(n, e, before);
    if (e.type() == Entry.Type.CONF_CHANGE) {
      n.conf = n.raft().applyConfChange(e.index(), ConfChange.decode(e.data()));
    }
  }

  private void completeWrite(SimulatedNode n) {
    SimulatedNode.Write w = n.writes.poll();
    if (w == null) {
      return;
    }
    Snapshot s = w.snapshot();
    if (s != null) {
      n.storage.applySnapshot(s);
      n.install(s);
      invariants.snapshotState(n, s, "installed");
    }
    List<Entry> es = w.entries();
    if (!es.isEmpty()) {
      long first = es.get(0).index();
      long prevTerm = n.storage.term(first - 1);
      n.storage.append(es);
      invariants.entriesSeen(first - 1, prevTerm, es, "the storage of " + n.id);
    }
    if (w.hardState() != null) {
      n.hardState = w.hardState();
      invariants.hardStateStored(n, n.hardState);
    }
    for (Message m : w.afterPersist()) {
      send(n, m);
    }
    if (!es.isEmpty()) {
      Entry last = es.get(es.size() - 1);
      n.raft().persisted(last.index(), last.term());
    } else if (s != null) {
      n.raft().persisted(s.index(), s.term());
    }
    drain(n);
  }

  private void lost(SimulatedNetwork.Envelope e, boolean reportUnreachable) {
    Message m = e.message();
    if (m.type() == Message.Type.SNAPSHOT) {
      reportSnapshot(e, false);
    } else if (reportUnreachable) {
      SimulatedNode from = nodes.get(m.from());
      if (from.isUp() && from.life() == e.senderLife()) {
        from.raft().reportUnreachable(m.to());
        drain(from);
      }
    }
  }

  /** The transport tells the sender of a snapshot whether it arrived. */
  private void reportSnapshot(SimulatedNetwork.Envelope e, boolean delivered) {
    SimulatedNode from = nodes.get(e.message().from());
    if (from.isUp() && from.life() == e.senderLife()) {
      from.raft().reportSnapshot(e.message().to(), delivered);
      drain(from);
    }
  }

  // ---- steps and tracing ----

  private void beginStep(String what) {
    step++;
    trace(what);
  }

  private void endStep() {
    for (SimulatedNode n : nodes.values()) {
      if (n.isUp()) {
        observe(n, false);
        invariants.commitSeen(n);
      }
    }
  }

  void trace(String event) {
    String line = step + ": " + event;
    history = history * 1_000_003 + line.hashCode();
    if (printTrace) {
      System.out.println(line);
    }
    recent.addLast(line);
    if (recent.size() > 60) {
      recent.removeFirst();
    }
  }

  /** A hash of every event so far: two runs with equal histories did the same things. */
  long history() {
    return history;
  }

  /** The seed and step, for failure messages. */
  String where() {
    return "seed=" + seed + " step=" + step;
  }

  /** The last events and each node's state, to read after a failure. */
  String recentEvents() {
    StringBuilder sb = new StringBuilder("last events:\n");
    recent.forEach(l -> sb.append("  ").append(l).append('\n'));
    sb.append("nodes:\n");
    nodes.values().forEach(n -> sb.append("  ").append(n).append('\n'));
    return sb.toString();
  }

  @Override
  public String toString() {
    return where() + "\n" + recentEvents();
  }
}
