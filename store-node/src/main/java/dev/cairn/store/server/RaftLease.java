package dev.cairn.store.server;

import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantResponse;
import dev.cairn.proto.etcdserverpb.LeaseLeasesResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import dev.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import java.util.concurrent.CompletableFuture;

/** The lease operations of a member; headers carry only the revision. */
public interface RaftLease {
  CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest r);

  CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest r);

  /** Renews the lease: its granted TTL in seconds, or 0 when it does not exist (etcd's answer). */
  CompletableFuture<Long> renew(long id);

  /** Remaining and granted TTL; TTL -1 for an unknown lease, as etcd answers. */
  CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r);

  LeaseLeasesResponse leases();
}
