package dev.cairn.store.api;

import dev.cairn.proto.etcdserverpb.MaintenanceGrpc;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.etcdserverpb.StatusRequest;
import dev.cairn.proto.etcdserverpb.StatusResponse;
import dev.cairn.store.server.MemberStatus;
import io.grpc.stub.StreamObserver;

/** etcd's Maintenance service: Status, which clients use to find the leader and its progress. */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private final MemberStatus status;
  private final Headers headers;
  private final String version;

  MaintenanceService(MemberStatus status, Headers headers, String version) {
    this.status = status;
    this.headers = headers;
    this.version = version;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    long db = status.dbSize();
    out.onNext(
        StatusResponse.newBuilder()
            .setHeader(headers.fill(ResponseHeader.getDefaultInstance()))
            .setVersion(version)
            .setDbSize(db)
            .setDbSizeInUse(db)
            .setLeader(status.leader())
            .setRaftIndex(status.committedIndex())
            .setRaftTerm(status.raftTerm())
            .setRaftAppliedIndex(status.appliedIndex())
            .build());
    out.onCompleted();
  }
}
