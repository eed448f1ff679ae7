package dev.cairn.store.server;

/** What every response header, and the Status call, report about the answering member. */
public interface MemberStatus {
  long clusterId();

  long memberId();

  long raftTerm();

  long currentRevision();

  /** The leader's id, or 0 when none is known. */
  long leader();

  /** The highest Raft index known committed. */
  long committedIndex();

  /** The Raft index of the last entry applied to the key space. */
  long appliedIndex();

  /** Bytes the key space's files take on disk. */
  long dbSize();

  /** Whether this member is a learner: it votes in nothing and serves only local reads. */
  boolean isLearner();
}
