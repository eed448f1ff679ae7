package dev.cairn.store.transport;

import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;

/** The member's lease clock, which peers ask when this member leads. */
public interface LeaseAuthority {
  /**
   * Renews a lease: its granted TTL, or 0 when it does not exist.
   *
   * @throws IllegalStateException when this member is not the leader
   */
  long renew(long leaseId);

  /**
   * @throws IllegalStateException when this member is not the leader
   */
  LeaseTimeToLiveResponse timeToLive(LeaseTimeToLiveRequest request);
}
