package dev.cairn.store.api;

import dev.cairn.proto.etcdserverpb.ClusterGrpc;
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
import dev.cairn.store.server.RaftCluster;
import io.grpc.stub.StreamObserver;

/**
 * etcd's Cluster service: check the request, call the server, translate errors, fill the header.
 * The header carries ids and term but no revision, as etcd's Cluster service answers.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final RaftCluster cluster;
  private final Guard guard;
  private final Headers headers;

  ClusterService(RaftCluster cluster, Headers headers) {
    this(cluster, Guard.OPEN, headers);
  }

  ClusterService(RaftCluster cluster, Guard guard, Headers headers) {
    this.guard = guard;
    this.cluster = cluster;
    this.headers = headers;
  }

  @Override
  public void memberList(MemberListRequest r, StreamObserver<MemberListResponse> out) {
    KvService.answer(
        out,
        () -> {
          // etcd 3.5 lists members to any authenticated user (EtcdServer.MemberList).
          guard.user();
          return cluster.memberList(r);
        },
        resp -> resp.toBuilder().setHeader(headers.membership()).build());
  }

  @Override
  public void memberAdd(MemberAddRequest r, StreamObserver<MemberAddResponse> out) {
    KvService.answer(
        out,
        () -> {
          guard.admin();
          RequestChecks.checkPeerUrls(r.getPeerURLsList());
          return cluster.memberAdd(r);
        },
        resp -> resp.toBuilder().setHeader(headers.membership()).build());
  }

  @Override
  public void memberRemove(MemberRemoveRequest r, StreamObserver<MemberRemoveResponse> out) {
    KvService.answer(
        out,
        () -> {
          guard.admin();
          return cluster.memberRemove(r);
        },
        resp -> resp.toBuilder().setHeader(headers.membership()).build());
  }

  /**
   * etcd passes an update's URLs to the member unchecked; they are checked here as for an added
   * member, since a member with unusable peer URLs could never be reached.
   */
  @Override
  public void memberUpdate(MemberUpdateRequest r, StreamObserver<MemberUpdateResponse> out) {
    KvService.answer(
        out,
        () -> {
          guard.admin();
          RequestChecks.checkPeerUrls(r.getPeerURLsList());
          return cluster.memberUpdate(r);
        },
        resp -> resp.toBuilder().setHeader(headers.membership()).build());
  }

  @Override
  public void memberPromote(MemberPromoteRequest r, StreamObserver<MemberPromoteResponse> out) {
    KvService.answer(
        out,
        () -> {
          guard.admin();
          return cluster.memberPromote(r);
        },
        resp -> resp.toBuilder().setHeader(headers.membership()).build());
  }
}
