package dev.cairn.store.transport;

import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.proto.peer.LeaseRenewRequest;
import dev.cairn.proto.peer.LeaseRenewResponse;
import dev.cairn.proto.peer.PeerLeaseGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** Answers peers' lease questions from this member's lease clock. */
final class PeerLeaseService extends PeerLeaseGrpc.PeerLeaseImplBase {
  private final LeaseAuthority authority;

  PeerLeaseService(LeaseAuthority authority) {
    this.authority = authority;
  }

  @Override
  public void renew(LeaseRenewRequest r, StreamObserver<LeaseRenewResponse> out) {
    try {
      long ttl = authority.renew(r.getId());
      out.onNext(LeaseRenewResponse.newBuilder().setTtl(ttl).build());
      out.onCompleted();
    } catch (IllegalStateException e) {
      out.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asException());
    }
  }

  @Override
  public void timeToLive(LeaseTimeToLiveRequest r, StreamObserver<LeaseTimeToLiveResponse> out) {
    try {
      out.onNext(authority.timeToLive(r));
      out.onCompleted();
    } catch (IllegalStateException e) {
      out.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asException());
    }
  }
}
