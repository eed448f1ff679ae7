package dev.cairn.store.api;

import dev.cairn.proto.etcdserverpb.WatchGrpc;
import dev.cairn.proto.etcdserverpb.WatchRequest;
import dev.cairn.proto.etcdserverpb.WatchResponse;
import dev.cairn.store.server.MemberStatus;
import dev.cairn.store.watch.WatchableStore;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** etcd's Watch service: one {@link WatchStream} per client stream. */
final class WatchService extends WatchGrpc.WatchImplBase {
  private final WatchableStore store;
  private final MemberStatus member;
  private final int maxRequestBytes;

  private final Guard guard;

  WatchService(WatchableStore store, MemberStatus member, Guard guard, int maxRequestBytes) {
    this.guard = guard;
    this.store = store;
    this.member = member;
    this.maxRequestBytes = maxRequestBytes;
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> out) {
    // etcd fragments responses larger than what its gRPC layer accepts: the largest request plus
    // gRPC's overhead allowance (v3rpc NewWatchServer: MaxRequestBytes + grpcOverheadBytes).
    return new WatchStream(
        (ServerCallStreamObserver<WatchResponse>) out,
        store,
        member,
        guard,
        maxRequestBytes + ClientServer.GRPC_OVERHEAD_BYTES);
  }
}
