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
  private final Guard guard;
  private final Headers headers;

  LeaseService(RaftLease lease, Guard guard, Headers headers) {
    this.guard = guard;
    this.lease = lease;
    this.headers = headers;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest r, StreamObserver<LeaseGrantResponse> out) {
    KvService.answer(
        out,
        () -> {
          guard.user();
          return lease.grant(r);
        },
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest r, StreamObserver<LeaseRevokeResponse> out) {
    KvService.answer(
        out,
        () -> lease.revokeAs(guard.user(), r),
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void leaseTimeToLive(
      LeaseTimeToLiveRequest r, StreamObserver<LeaseTimeToLiveResponse> out) {
    KvService.answer(
        out,
        () -> {
          guard.leaseTimeToLive(r.getID(), lease::keysOf);
          return lease.timeToLive(r);
        },
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest r, StreamObserver<LeaseLeasesResponse> out) {
    KvService.answer(
        out,
        () -> {
          LeaseLeasesResponse all = lease.leases();
          guard.leaseLeases(
              all.getLeasesList().stream().map(l -> l.getID()).toList(), lease::keysOf);
          return CompletableFuture.completedFuture(all);
        },
        resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> out) {
    ServerCallStreamObserver<LeaseKeepAliveResponse> call =
        (ServerCallStreamObserver<LeaseKeepAliveResponse>) out;
    return new StreamObserver<>() {
      /** Renewals answer in the order they were asked, even when forwarded to the leader. */
      private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

      /** Guarded by call. */
      private boolean closed;

      @Override
      public void onNext(LeaseKeepAliveRequest req) {
        // The header is taken before the renewal, as etcd does: a client never sees a renewal
        // at a revision later than the lease's revoke.
        ResponseHeader h = headers.fill(ResponseHeader.getDefaultInstance());
        CompletableFuture<Long> ttl;
        try {
          guard.leaseRenew(req.getID(), lease::keysOf);
          ttl = lease.renew(req.getID());
        } catch (dev.cairn.store.support.StoreException e) {
          ttl = CompletableFuture.failedFuture(e);
        }
        synchronized (this) {
          tail =
              tail.thenCombine(ttl.handle((t, e) -> e == null ? t : e), (v, t) -> t)
                  .thenAccept(t -> reply(req.getID(), h, t));
        }
      }

      private void reply(long id, ResponseHeader h, Object ttlOrError) {
        synchronized (call) {
          if (closed || call.isCancelled()) {
            return;
          }
          if (ttlOrError instanceof Throwable e) {
            closed = true;
            call.onError(GrpcErrors.toGrpc(e));
            return;
          }
          call.onNext(
              LeaseKeepAliveResponse.newBuilder()
                  .setHeader(h)
                  .setID(id)
                  .setTTL((Long) ttlOrError)
                  .build());
        }
      }

      @Override
      public void onError(Throwable t) {
        // The client went away; nothing to clean up.
      }

      @Override
      public void onCompleted() {
        CompletableFuture<Void> last;
        synchronized (this) {
          last = tail;
        }
        last.thenRun(
            () -> {
              synchronized (call) {
                if (!closed) {
                  closed = true;
                  call.onCompleted();
                }
              }
            });
      }
    };
  }
}
