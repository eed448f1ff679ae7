package dev.cairn.store.server;

/** What every response header reports about the answering member. */
public interface MemberStatus {
  long clusterId();

  long memberId();

  long raftTerm();

  long currentRevision();
}
