package dev.cairn.store.transport;

import dev.cairn.proto.etcdserverpb.HashKVRequest;
import dev.cairn.proto.etcdserverpb.HashKVResponse;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.proto.etcdserverpb.MemberPromoteResponse;
import dev.cairn.proto.etcdserverpb.MoveLeaderRequest;
import dev.cairn.proto.etcdserverpb.MoveLeaderResponse;
import dev.cairn.proto.peer.LeaseRenewRequest;
import dev.cairn.proto.peer.LeaseRenewResponse;
import dev.cairn.proto.peer.MembersRequest;
import dev.cairn.proto.peer.MembersResponse;
import dev.cairn.proto.peer.PeerClusterGrpc;
import dev.cairn.proto.peer.PeerLeaseGrpc;
import dev.cairn.proto.peer.PromoteRequest;
import dev.cairn.store.membership.Member;
import dev.cairn.store.tls.TlsContexts;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Questions to one peer at a time (lease renewals, cluster calls), on a channel per peer apart from
 * the Raft stream so that an answer never waits behind a large batch of entries.
 */
final class PeerCalls implements AutoCloseable {
  private static final long LEASE_DEADLINE_MILLIS = 2000;
  private static final long CLUSTER_DEADLINE_MILLIS = 10_000;

  private final long localId;
  private final long clusterId;
  private final Map<Long, List<URI>> urls = new HashMap<>();
  private final Map<Long, ManagedChannel> channels = new HashMap<>();
  private final TlsContexts tls;

  /**
   * @param tls the peer certificate and CA for https peer URLs, or null
   */
  PeerCalls(long localId, long clusterId, TlsContexts tls) {
    this.localId = localId;
    this.clusterId = clusterId;
    this.tls = tls;
  }

  synchronized void setPeer(long id, List<URI> peerUrls) {
    if (!peerUrls.equals(urls.put(id, List.copyOf(peerUrls)))) {
      ManagedChannel old = channels.remove(id);
      if (old != null) {
        old.shutdownNow();
      }
    }
  }

  synchronized void removePeer(long id) {
    urls.remove(id);
    ManagedChannel old = channels.remove(id);
    if (old != null) {
      old.shutdownNow();
    }
  }

  private synchronized ManagedChannel channel(long peer) {
    List<URI> u = urls.get(peer);
    if (u == null) {
      return null;
    }
    return channels.computeIfAbsent(peer, p -> PeerChannels.builder(u.get(0), tls).build());
  }

  /** One call on the peer's channel, with this member's ids attached and a deadline. */
  private <S extends AbstractStub<S>, T> CompletableFuture<T> call(
      long peer,
      Function<Channel, S> newStub,
      long deadlineMillis,
      BiConsumer<S, StreamObserver<T>> invoke) {
    ManagedChannel ch = channel(peer);
    if (ch == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("unknown peer " + Long.toHexString(peer)));
    }
    S stub =
        newStub
            .apply(ch)
            .withInterceptors(
                MetadataUtils.newAttachHeadersInterceptor(PeerHeaders.of(localId, clusterId)))
            .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    CompletableFuture<T> f = new CompletableFuture<>();
    invoke.accept(stub, observer(f));
    return f;
  }

  CompletableFuture<Long> renew(long peer, long leaseId) {
    LeaseRenewRequest r = LeaseRenewRequest.newBuilder().setId(leaseId).build();
    return this.<PeerLeaseGrpc.PeerLeaseStub, LeaseRenewResponse>call(
            peer, PeerLeaseGrpc::newStub, LEASE_DEADLINE_MILLIS, (s, o) -> s.renew(r, o))
        .thenApply(LeaseRenewResponse::getTtl);
  }

  CompletableFuture<LeaseTimeToLiveResponse> timeToLive(long peer, LeaseTimeToLiveRequest r) {
    return call(peer, PeerLeaseGrpc::newStub, LEASE_DEADLINE_MILLIS, (s, o) -> s.timeToLive(r, o));
  }

  CompletableFuture<MemberPromoteResponse> promote(long peer, long memberId) {
    PromoteRequest r = PromoteRequest.newBuilder().setId(memberId).build();
    return clusterCall(peer, "Promote", (s, o) -> s.promote(r, o));
  }

  CompletableFuture<HashKVResponse> hashKv(long peer, HashKVRequest r) {
    return clusterCall(peer, "HashKV", (s, o) -> s.hashKV(r, o));
  }

  CompletableFuture<MoveLeaderResponse> moveLeader(long peer, MoveLeaderRequest r) {
    return clusterCall(peer, "MoveLeader", (s, o) -> s.moveLeader(r, o));
  }

  /** A cluster call whose failure comes back as the peer's StoreException where it sent one. */
  private <T> CompletableFuture<T> clusterCall(
      long peer,
      String method,
      BiConsumer<PeerClusterGrpc.PeerClusterStub, StreamObserver<T>> invoke) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    call(peer, PeerClusterGrpc::newStub, CLUSTER_DEADLINE_MILLIS, invoke)
        .whenComplete(
            (v, e) -> {
              if (e == null) {
                answer.complete(v);
              } else {
                answer.completeExceptionally(RemoteErrors.fromStatus(peer, method, e));
              }
            });
    return answer;
  }

  /**
   * Asks each URL in turn for the cluster's members until one answers.
   *
   * @param timeout how long to wait for each URL
   * @throws IOException naming every URL tried and why it did not answer
   */
  static ClusterMembers fetchMembers(List<URI> peerUrls, Duration timeout, TlsContexts tls)
      throws IOException {
    List<String> failures = new ArrayList<>();
    for (URI url : peerUrls) {
      ManagedChannel ch = PeerChannels.builder(url, tls).build();
      try {
        MembersResponse r =
            PeerClusterGrpc.newBlockingStub(ch)
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .members(MembersRequest.getDefaultInstance());
        List<Member> members = new ArrayList<>();
        for (dev.cairn.proto.internal.Member m : r.getMembersList()) {
          members.add(Member.fromProto(m));
        }
        if (r.getClusterId() == 0 || members.isEmpty()) {
          failures.add(url + " (answered without a cluster ID or members)");
          continue;
        }
        return new ClusterMembers(r.getClusterId(), members);
      } catch (StatusRuntimeException e) {
        String cause = e.getCause() == null ? "" : " " + e.getCause().getMessage();
        failures.add(
            url
                + " ("
                + e.getStatus().getCode()
                + ": "
                + e.getStatus().getDescription()
                + cause
                + ")");
      } catch (IllegalArgumentException e) {
        failures.add(url + " (answered an invalid member: " + e.getMessage() + ")");
      } finally {
        ch.shutdownNow();
      }
    }
    throw new IOException(
        "could not get the cluster's members from any peer URL; tried "
            + String.join(", ", failures));
  }

  private static <T> StreamObserver<T> observer(CompletableFuture<T> f) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        f.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        f.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  @Override
  public synchronized void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
