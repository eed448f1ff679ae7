package dev.cairn.store.raft;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Drives a {@link SimulatedCluster} at random from one seed: the cluster's shape and settings, then
 * every step, then a liveness check once the faults stop. The same seed gives the same run.
 *
 * <p>A step is one of: a clock tick (of every node or of one), the delivery of a message picked at
 * random among those in flight (so messages are delayed and reordered), sometimes lost or delivered
 * twice; a storage write completing; a crash or restart; a partition (random split, isolated
 * leader, one-way link) or its healing; a client proposal or ReadIndex at a random node; a
 * configuration change, leadership transfer or log compaction.
 */
final class ChaosSchedule {
  private final SplittableRandom random;
  private final SimulatedCluster cluster;
  private final int initialVoters;
  private int values;
  private int confChanges;
  private int crashes;
  private int livenessRounds;

  ChaosSchedule(long seed) {
    this.random = new SplittableRandom(seed);
    // Mostly 3, 5 or 7 voters; sometimes a single voter with learners, as when a cluster grows
    // from one node.
    int voters = pick(1, 3, 3, 3, 3, 5, 5, 5, 7);
    int learners = voters == 1 ? 1 + random.nextInt(2) : random.nextInt(4) == 0 ? 1 : 0;
    int electionTick = 5 + random.nextInt(8);
    this.initialVoters = voters;
    this.cluster =
        SimulatedCluster.builder()
            .random(seed, random)
            .voters(voters)
            .learners(learners)
            .spares(1 + random.nextInt(2))
            .electionTick(electionTick)
            .heartbeatTick(1 + random.nextInt(Math.min(3, electionTick / 2)))
            .maxInflight(pick(1, 2, 4, 256))
            .maxSizePerMsg(pick(1, 16, 1 << 20))
            .preVote(random.nextInt(5) != 0)
            .checkQuorum(random.nextInt(5) != 0)
            .syncWrites(false)
            .build();
  }

  SimulatedCluster cluster() {
    return cluster;
  }

  private int pick(int... choices) {
    return choices[random.nextInt(choices.length)];
  }

  private <T> T pick(List<T> choices) {
    return choices.get(random.nextInt(choices.size()));
  }

  /** Runs {@code steps} random steps. */
  void run(int steps) {
    while (cluster.step() < steps) {
      step();
    }
  }

  private record Action(int weight, Runnable run) {}

  private void step() {
    SimulatedNetwork net = cluster.network();
    int pendingWrites = 0;
    for (SimulatedNode n : cluster.nodes()) {
      pendingWrites += n.writes.size();
    }
    // Deliveries and writes grow with the backlog, so that neither piles up without bound.
    List<Action> actions =
        List.of(
            new Action(30 + net.size(), this::deliverOne),
            new Action(10 + 2 * pendingWrites, this::completeSomeWrite),
            new Action(10, this::handleSomeReady),
            new Action(8, cluster::tickAll),
            new Action(3, this::tickOne),
            new Action(6, this::propose),
            new Action(3, this::read),
            new Action(net.isPartitioned() ? 4 : 1, this::changePartition),
            new Action(1, this::crashOrRestart),
            new Action(1, this::changeConfiguration),
            new Action(1, this::compact),
            new Action(1, this::transferLeadership));
    int total = actions.stream().mapToInt(Action::weight).sum();
    int r = random.nextInt(total);
    for (Action a : actions) {
      if (r < a.weight()) {
        a.run().run();
        return;
      }
      r -= a.weight();
    }
  }

  private void deliverOne() {
    SimulatedNetwork net = cluster.network();
    if (net.isEmpty()) {
      cluster.tickAll();
      return;
    }
    int i = random.nextInt(net.size());
    int fate = random.nextInt(100);
    if (fate < 5) {
      cluster.drop(i);
    } else if (fate < 8) {
      cluster.duplicate(i, random.nextInt(net.size() + 1));
    } else {
      cluster.deliver(i, random.nextBoolean(), random.nextInt(4) != 0);
    }
  }

  private void handleSomeReady() {
    List<SimulatedNode> ready = new ArrayList<>();
    for (SimulatedNode n : cluster.nodes()) {
      if (n.isUp() && n.raft().hasReady()) {
        ready.add(n);
      }
    }
    if (!ready.isEmpty()) {
      cluster.handleReady(pick(ready).id);
    }
  }

  private void completeSomeWrite() {
    List<SimulatedNode> writing = new ArrayList<>();
    for (SimulatedNode n : cluster.nodes()) {
      if (n.isUp() && !n.writes.isEmpty()) {
        writing.add(n);
      }
    }
    if (!writing.isEmpty()) {
      cluster.completeWrite(pick(writing).id);
    }
  }

  private void tickOne() {
    List<SimulatedNode> up = cluster.upNodes();
    if (!up.isEmpty()) {
      cluster.tick(pick(up).id);
    }
  }

  private void propose() {
    List<SimulatedNode> up = cluster.upNodes();
    if (up.isEmpty()) {
      return;
    }
    try {
      cluster.propose(pick(up).id, "v" + ++values);
    } catch (NotLeaderException e) {
      // A client would try another node.
    }
  }

  private void read() {
    List<SimulatedNode> up = cluster.upNodes();
    if (up.isEmpty()) {
      return;
    }
    try {
      cluster.readIndex(pick(up).id);
    } catch (NotLeaderException e) {
      // A client would try another node.
    }
  }

  private void changePartition() {
    List<Long> ids = cluster.ids();
    if (cluster.network().isPartitioned() && random.nextInt(3) != 0) {
      cluster.heal();
      return;
    }
    switch (random.nextInt(3)) {
      case 0 -> {
        List<Long> side = new ArrayList<>();
        List<Long> other = new ArrayList<>();
        for (long id : ids) {
          (random.nextBoolean() ? side : other).add(id);
        }
        if (!side.isEmpty() && !other.isEmpty()) {
          cluster.partition(side, other);
        }
      }
      case 1 -> {
        long leader = cluster.leaderId();
        cluster.isolate(leader != 0 ? leader : pick(ids));
      }
      default -> {
        long from = pick(ids);
        long to = pick(ids);
        if (from != to) {
          cluster.blockOneWay(from, to);
        }
      }
    }
  }

  private void crashOrRestart() {
    List<SimulatedNode> down = new ArrayList<>();
    for (SimulatedNode n : cluster.nodes()) {
      if (!n.isUp()) {
        down.add(n);
      }
    }
    if (!down.isEmpty() && (random.nextBoolean() || 2 * down.size() >= cluster.nodes().size())) {
      cluster.restart(pick(down).id);
      return;
    }
    List<SimulatedNode> up = cluster.upNodes();
    long leader = cluster.leaderId();
    // Leaders crash more often than their share: that is where the interesting cases are.
    long victim = leader != 0 && random.nextInt(3) == 0 ? leader : pick(up).id;
    cluster.crash(victim);
    crashes++;
  }

  private void changeConfiguration() {
    long leader = cluster.leaderId();
    if (leader == 0) {
      return;
    }
    ConfState conf = cluster.raft(leader).confState();
    List<Long> voters = conf.voters().stream().sorted().toList();
    List<Long> learners = conf.learners().stream().sorted().toList();
    List<Long> outsiders = cluster.ids().stream().filter(id -> !conf.contains(id)).toList();
    List<ConfChange> options = new ArrayList<>();
    for (long id : outsiders) {
      options.add(change(ConfChange.Type.ADD_LEARNER, id));
      if (voters.size() < Math.max(3, initialVoters)) {
        options.add(change(ConfChange.Type.ADD_NODE, id));
      }
    }
    for (long id : learners) {
      options.add(change(ConfChange.Type.ADD_NODE, id));
      options.add(change(ConfChange.Type.REMOVE_NODE, id));
    }
    // Going from two voters to one can strand the one left for good: when the other one leads and
    // removes itself, the one left may never learn that the removal committed, and cannot win an
    // election without the removed node's vote (etcd-io/etcd#10563). Operators are told not to.
    if (voters.size() > 2) {
      for (long id : voters) {
        options.add(change(ConfChange.Type.REMOVE_NODE, id));
      }
    }
    if (options.isEmpty()) {
      return;
    }
    try {
      cluster.proposeConfChange(leader, pick(options));
      confChanges++;
    } catch (IllegalStateException | NotLeaderException e) {
      // Another change is still pending, or leadership is moving: try later.
    }
  }

  private static ConfChange change(ConfChange.Type type, long id) {
    return new ConfChange(type, id, new byte[0]);
  }

  private void compact() {
    List<SimulatedNode> up = cluster.upNodes();
    if (!up.isEmpty()) {
      cluster.compact(pick(up).id);
    }
  }

  private void transferLeadership() {
    long leader = cluster.leaderId();
    if (leader == 0) {
      return;
    }
    List<Long> voters =
        cluster.raft(leader).confState().voters().stream()
            .sorted()
            .filter(id -> id != leader)
            .toList();
    if (!voters.isEmpty()) {
      cluster.transferLeadership(leader, pick(voters));
    }
  }

  /**
   * Heals the network, restarts crashed nodes and runs without faults until a leader commits a new
   * proposal and every member of its configuration applies it. A round is a tick of every node
   * followed by delivering every message and completing every write.
   *
   * @return the rounds it took
   * @throws AssertionError when that does not happen within {@code maxRounds} rounds
   */
  int checkLiveness(int maxRounds) {
    cluster.heal();
    for (SimulatedNode n : cluster.nodes()) {
      if (!n.isUp()) {
        cluster.restart(n.id);
      }
    }
    String value = "final";
    long proposedIn = -1;
    List<Long> indexes = new ArrayList<>();
    for (int round = 0; round < maxRounds; round++) {
      cluster.tickAll();
      cluster.stabilize();
      long leader = cluster.leaderId();
      if (leader == 0) {
        continue;
      }
      RaftNode l = cluster.raft(leader);
      if (l.term() != proposedIn) {
        try {
          indexes.add(cluster.propose(leader, value));
          proposedIn = l.term();
          cluster.stabilize();
        } catch (NotLeaderException e) {
          continue; // transferring leadership: wait for it to finish or be abandoned
        }
      }
      if (appliedEverywhere(value, indexes, cluster.raft(leader).confState())) {
        livenessRounds = round + 1;
        return livenessRounds;
      }
    }
    throw new AssertionError(
        "no progress after healing for "
            + maxRounds
            + " rounds ("
            + cluster.where()
            + ")\n"
            + cluster.recentEvents());
  }

  private boolean appliedEverywhere(String value, List<Long> indexes, ConfState conf) {
    for (long index : indexes) {
      Entry e = cluster.invariants().appliedAt(index);
      if (e == null || !value.equals(new String(e.data(), UTF_8))) {
        continue;
      }
      boolean all = true;
      for (SimulatedNode n : cluster.nodes()) {
        if (conf.contains(n.id) && n.applied < index) {
          all = false;
        }
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  /** What a run did, to show that runs do what they are meant to. */
  record Stats(
      long runs,
      long elections,
      long crashes,
      long confChanges,
      long snapshots,
      long transfers,
      long readsAnswered,
      long applied,
      long maxLivenessRounds) {
    static final Stats NONE = new Stats(0, 0, 0, 0, 0, 0, 0, 0, 0);

    Stats plus(Stats o) {
      return new Stats(
          runs + o.runs,
          elections + o.elections,
          crashes + o.crashes,
          confChanges + o.confChanges,
          snapshots + o.snapshots,
          transfers + o.transfers,
          readsAnswered + o.readsAnswered,
          applied + o.applied,
          Math.max(maxLivenessRounds, o.maxLivenessRounds));
    }

    @Override
    public String toString() {
      return runs
          + " runs: "
          + elections
          + " elections, "
          + crashes
          + " crashes, "
          + confChanges
          + " configuration changes, "
          + snapshots
          + " snapshots sent, "
          + transfers
          + " leadership transfers, "
          + readsAnswered
          + " reads answered, "
          + applied
          + " entries committed; recovery took at most "
          + maxLivenessRounds
          + " rounds";
    }
  }

  Stats stats() {
    return new Stats(
        1,
        cluster.invariants().elections(),
        crashes,
        confChanges,
        cluster.delivered(Message.Type.SNAPSHOT),
        cluster.delivered(Message.Type.TIMEOUT_NOW),
        cluster.readsAnswered(),
        cluster.invariants().maxApplied(),
        livenessRounds);
  }
}
