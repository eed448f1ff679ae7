package dev.cairn.store.api;

import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.store.server.MemberStatus;

/** Fills a response header as etcd does: ids and term of this member, revision if not set. */
final class Headers {
  private final MemberStatus member;

  Headers(MemberStatus member) {
    this.member = member;
  }

  ResponseHeader fill(ResponseHeader h) {
    long rev = h.getRevision() != 0 ? h.getRevision() : member.currentRevision();
    return ResponseHeader.newBuilder()
        .setClusterId(member.clusterId())
        .setMemberId(member.memberId())
        .setRaftTerm(member.raftTerm())
        .setRevision(rev)
        .build();
  }

  /** The header etcd's Cluster service answers with: ids and term, no revision. */
  ResponseHeader membership() {
    return ResponseHeader.newBuilder()
        .setClusterId(member.clusterId())
        .setMemberId(member.memberId())
        .setRaftTerm(member.raftTerm())
        .build();
  }
}
