package dev.cairn.store.server;

import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantResponse;
import dev.cairn.proto.etcdserverpb.LeaseLeasesResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import dev.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.store.auth.AuthInfo;
import java.util.concurrent.CompletableFuture;

/** The lease operations of a member; headers carry only the revision. */
public interface RaftLease {
  CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest r);

  CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest r);

  /** Revokes for a caller, whose right to write the lease's keys is checked when it applies. */
  default CompletableFuture<LeaseRevokeResponse> revokeAs(AuthInfo caller, LeaseRevokeRequest r) {
    return revoke(r);
  }

  /** The keys attached to a lease on this member, for permission checks; empty when unknown. */
  default java.util.Collection<byte[]> keysOf(long id) {
    return java.util.List.of();
  }

  /** Renews the lease: its granted TTL in seconds, or 0 when it does not exist (etcd's answer). */
  CompletableFuture<Long> renew(long id);

  /** Remaining and granted TTL; TTL -1 for an unknown lease, as etcd answers. */
  CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r);

  LeaseLeasesResponse leases();
}
