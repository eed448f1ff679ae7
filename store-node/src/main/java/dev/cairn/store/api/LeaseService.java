package dev.cairn.store.api;

import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantResponse;
import dev.cairn.proto.etcdserverpb.LeaseGrpc;
import dev.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import dev.cairn.proto.etcdserverpb.LeaseKeepAliveResponse;
import dev.cairn.proto.etcdserverpb.LeaseLeasesRequest;
import dev.cairn.proto.etcdserverpb.LeaseLeasesResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import dev.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.store.server.RaftLease;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** etcd's Lease service. */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
  private final RaftLease lease;
  private final Headers headers;

  LeaseService(RaftLease lease, Headers headers) {
    this.lease = lease;
    this.headers = headers;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest r, StreamObserver<LeaseGrantResponse> out) {
    KvService.answer(
        out,
        () -> lease.grant(r),
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest r, StreamObserver<LeaseRevokeResponse> out) {
    KvService.answer(
        out,
        () -> lease.revoke(r),
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void leaseTimeToLive(
      LeaseTimeToLiveRequest r, StreamObserver<LeaseTimeToLiveResponse> out) {
    KvService.answer(
        out,
        () -> CompletableFuture.completedFuture(lease.timeToLive(r)),
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest r, StreamObserver<LeaseLeasesResponse> out) {
    KvService.answer(
        out,
        () -> CompletableFuture.completedFuture(lease.leases()),
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> out) {
    ServerCallStreamObserver<LeaseKeepAliveResponse> call =
        (ServerCallStreamObserver<LeaseKeepAliveResponse>) out;
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveRequest req) {
        // The header is taken before the renewal, as etcd does: a client never sees a renewal
        // at a revision later than the lease's revoke.
        ResponseHeader h = headers.fill(ResponseHeader.getDefaultInstance());
        long ttl = lease.renew(req.getID());
        synchronized (call) {
          if (!call.isCancelled()) {
            call.onNext(
                LeaseKeepAliveResponse.newBuilder()
                    .setHeader(h)
                    .setID(req.getID())
                    .setTTL(ttl)
                    .build());
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        // The client went away; nothing to clean up.
      }

      @Override
      public void onCompleted() {
        synchronized (call) {
          call.onCompleted();
        }
      }
    };
  }
}
