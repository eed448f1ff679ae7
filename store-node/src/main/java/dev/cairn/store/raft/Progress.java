package dev.cairn.store.raft;

import java.util.ArrayDeque;

/** A leader's view of one follower's log, and how to send to it. */
final class Progress {
  enum State {
    /** One append at a time until the leader knows where the logs match. */
    PROBE,
    /** Appends stream optimistically, up to the in-flight window. */
    REPLICATE,
    /** A snapshot is on its way; nothing else is sent. */
    SNAPSHOT
  }

  long match;
  long next;
  State state = State.PROBE;
  boolean probeSent;

  /** The leader's heartbeat round in which a heartbeat response last made it send again. */
  long resentInRound = -1;

  long pendingSnapshot;
  boolean recentActive;
  boolean learner;

  /** Last index of each append in flight, oldest first. */
  private final ArrayDeque<Long> inflight = new ArrayDeque<>();

  private final int maxInflight;

  Progress(long next, int maxInflight, boolean learner) {
    this.next = next;
    this.maxInflight = maxInflight;
    this.learner = learner;
  }

  boolean isPaused() {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflight.size() >= maxInflight;
      case SNAPSHOT -> true;
    };
  }

  /** The follower holds entries up to n. */
  boolean maybeUpdate(long n) {
    boolean updated = false;
    if (match < n) {
      match = n;
      updated = true;
      probeSent = false;
    }
    next = Math.max(next, n + 1);
    return updated;
  }

  /**
   * The follower rejected the append after {@code rejected}; its log may match up to hint.
   *
   * @return false when the rejection is stale
   */
  boolean maybeDecrTo(long rejected, long hint) {
    if (state == State.REPLICATE) {
      if (rejected <= match) {
        return false;
      }
      next = match + 1;
      return true;
    }
    if (next - 1 != rejected) {
      return false;
    }
    next = Math.max(Math.min(rejected, hint + 1), match + 1);
    probeSent = false;
    return true;
  }

  void becomeProbe() {
    if (state == State.SNAPSHOT) {
      next = Math.max(match + 1, pendingSnapshot + 1);
      pendingSnapshot = 0;
    } else {
      next = match + 1;
    }
    state = State.PROBE;
    probeSent = false;
    inflight.clear();
  }

  void becomeReplicate() {
    next = match + 1;
    state = State.REPLICATE;
    probeSent = false;
    inflight.clear();
  }

  void becomeSnapshot(long index) {
    state = State.SNAPSHOT;
    pendingSnapshot = index;
    probeSent = false;
    inflight.clear();
  }

  /** An append with entries up to {@code last} (or none) was sent. */
  void sent(long last, boolean withEntries) {
    if (state == State.REPLICATE) {
      if (withEntries) {
        next = last + 1;
        inflight.add(last);
      }
    } else if (state == State.PROBE) {
      probeSent = true;
    }
  }

  void freeInflightTo(long index) {
    while (!inflight.isEmpty() && inflight.peekFirst() <= index) {
      inflight.pollFirst();
    }
  }

  /** Lets one more append through when the window is full, so heartbeats keep it moving. */
  void freeFirstInflight() {
    inflight.pollFirst();
  }

  @Override
  public String toString() {
    return state + " match=" + match + " next=" + next + (learner ? " learner" : "");
  }
}
