package dev.cairn.store.transport;

import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.cairn.proto.peer.LeaseRenewRequest;
import dev.cairn.proto.peer.LeaseRenewResponse;
import dev.cairn.proto.peer.PeerLeaseGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Lease questions to the leader, on a channel per peer apart from the Raft stream so that a renewal
 * never waits behind a large batch of entries.
 */
final class LeaseCalls implements AutoCloseable {
  private static final long DEADLINE_MILLIS = 2000;

  private final long localId;
  private final long clusterId;
  private final Map<Long, List<URI>> urls = new HashMap<>();
  private final Map<Long, ManagedChannel> channels = new HashMap<>();

  LeaseCalls(long localId, long clusterId) {
    this.localId = localId;
    this.clusterId = clusterId;
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

  private synchronized PeerLeaseGrpc.PeerLeaseStub stub(long peer) {
    List<URI> u = urls.get(peer);
    if (u == null) {
      return null;
    }
    ManagedChannel ch =
        channels.computeIfAbsent(
            peer,
            p ->
                NettyChannelBuilder.forAddress(u.get(0).getHost(), u.get(0).getPort())
                    .usePlaintext()
                    .build());
    return PeerLeaseGrpc.newStub(ch)
        .withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(PeerHeaders.of(localId, clusterId)))
        .withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
  }

  CompletableFuture<Long> renew(long peer, long leaseId) {
    CompletableFuture<LeaseRenewResponse> f = new CompletableFuture<>();
    PeerLeaseGrpc.PeerLeaseStub s = stub(peer);
    if (s == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("unknown peer"));
    }
    s.renew(LeaseRenewRequest.newBuilder().setId(leaseId).build(), observer(f));
    return f.thenApply(LeaseRenewResponse::getTtl);
  }

  CompletableFuture<LeaseTimeToLiveResponse> timeToLive(long peer, LeaseTimeToLiveRequest r) {
    CompletableFuture<LeaseTimeToLiveResponse> f = new CompletableFuture<>();
    PeerLeaseGrpc.PeerLeaseStub s = stub(peer);
    if (s == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("unknown peer"));
    }
    s.timeToLive(r, observer(f));
    return f;
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
