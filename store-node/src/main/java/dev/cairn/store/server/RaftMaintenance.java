package dev.cairn.store.server;

import dev.cairn.proto.etcdserverpb.AlarmRequest;
import dev.cairn.proto.etcdserverpb.AlarmResponse;
import dev.cairn.proto.etcdserverpb.DefragmentResponse;
import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.HashResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.proto.etcdserverpb.StatusResponse;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Maintenance service as the member carries it out. Responses carry no header; failures are
 * {@link dev.cairn.store.support.StoreException}s, thrown or in the future.
 */
public interface RaftMaintenance {
  /** This member's status, without the version (the API edge knows it). */
  StatusResponse status();

  /** A hash of the whole key-space backend. */
  HashResponse hash();

  /** etcd's hash of the key history up to a revision (0: the current one). */
  HashKVResponse hashKv(HashKVRequest r);

  CompletableFuture<AlarmResponse> alarm(AlarmRequest r);

  /** Reclaims the space of deleted and compacted data; safe while serving. */
  CompletableFuture<DefragmentResponse> defragment();

  /** A consistent snapshot of the key space, as etcd streams it; the caller closes it. */
  SnapshotStream snapshot() throws IOException;

  /** Hands leadership to another voter; only the leader may. */
  CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest r);
}
