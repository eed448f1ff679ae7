package dev.cairn.store.cli;

import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.store.server.StoreServer;
import dev.cairn.store.transport.LeaseAuthority;

/** Answers peers' lease questions while this member leads. */
final class LeaderLeases implements LeaseAuthority {
  private final StoreServer server;

  LeaderLeases(StoreServer server) {
    this.server = server;
  }

  @Override
  public long renew(long leaseId) {
    requireLeader();
    return server.renewHere(leaseId);
  }

  @Override
  public LeaseTimeToLiveResponse timeToLive(LeaseTimeToLiveRequest request) {
    requireLeader();
    return server.timeToLiveHere(request);
  }

  private void requireLeader() {
    if (!server.leasesExpireHere()) {
      throw new IllegalStateException("not the leader");
    }
  }
}
