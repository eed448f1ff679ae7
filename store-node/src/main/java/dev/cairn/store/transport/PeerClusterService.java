package dev.cairn.store.transport;

import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.proto.peer.MembersRequest;
import dev.cairn.proto.peer.MembersResponse;
import dev.cairn.proto.peer.PeerClusterGrpc;
import dev.cairn.proto.peer.PromoteRequest;
import dev.cairn.store.membership.Member;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers peers' cluster calls from the member's {@link ClusterAuthority}. */
final class PeerClusterService extends PeerClusterGrpc.PeerClusterImplBase {
  private static final Logger log = LoggerFactory.getLogger(PeerClusterService.class);

  private final ClusterAuthority authority;

  PeerClusterService(ClusterAuthority authority) {
    this.authority = authority;
  }

  @Override
  public void members(MembersRequest r, StreamObserver<MembersResponse> out) {
    answer(
        () -> {
          MembersResponse.Builder b =
              MembersResponse.newBuilder().setClusterId(authority.clusterId());
          for (Member m : authority.members()) {
            b.addMembers(m.toProto());
          }
          return CompletableFuture.completedFuture(b.build());
        },
        out);
  }

  @Override
  public void promote(PromoteRequest r, StreamObserver<MemberPromoteResponse> out) {
    answer(() -> authority.promote(r.getId()), out);
  }

  @Override
  public void hashKV(HashKVRequest r, StreamObserver<HashKVResponse> out) {
    answer(() -> authority.hashKv(r), out);
  }

  @Override
  public void moveLeader(MoveLeaderRequest r, StreamObserver<MoveLeaderResponse> out) {
    answer(() -> authority.moveLeader(r), out);
  }

  private static <T> void answer(Supplier<CompletableFuture<T>> call, StreamObserver<T> out) {
    CompletableFuture<T> f;
    try {
      f = Objects.requireNonNull(call.get(), "the member gave no answer");
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete(
        (v, e) -> {
          try {
            if (e == null) {
              out.onNext(v);
              out.onCompleted();
            } else {
              out.onError(RemoteErrors.toStatus(e).asException());
            }
          } catch (RuntimeException gone) {
            // The asker cancelled or its deadline passed: nobody is left to answer.
            log.debug("a cluster call ended before its answer: {}", gone.toString());
          }
        });
  }
}
