package dev.cairn.store.api;

import dev.cairn.store.server.MemberStatus;

/** A member's status as a test sets it. */
final class FakeMember implements MemberStatus {
  volatile boolean learner;

  @Override
  public long clusterId() {
    return 0xcdf818194e3a8c32L;
  }

  @Override
  public long memberId() {
    return 0x8e9e05c52164694dL;
  }

  @Override
  public long raftTerm() {
    return 3;
  }

  @Override
  public long currentRevision() {
    return 42;
  }

  @Override
  public long leader() {
    return memberId();
  }

  @Override
  public long committedIndex() {
    return 9;
  }

  @Override
  public long appliedIndex() {
    return 9;
  }

  @Override
  public long dbSize() {
    return 4096;
  }

  @Override
  public boolean isLearner() {
    return learner;
  }
}
