package dev.cairn.store.coordination;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.proto.etcdserverpb.WatchCreateRequest;
import dev.cairn.proto.mvccpb.Event;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.proto.v3electionpb.CampaignRequest;
import dev.cairn.proto.v3electionpb.CampaignResponse;
import dev.cairn.proto.v3electionpb.ElectionGrpc;
import dev.cairn.proto.v3electionpb.LeaderKey;
import dev.cairn.proto.v3electionpb.LeaderRequest;
import dev.cairn.proto.v3electionpb.LeaderResponse;
import dev.cairn.proto.v3electionpb.ProclaimRequest;
import dev.cairn.proto.v3electionpb.ProclaimResponse;
import dev.cairn.proto.v3electionpb.ResignRequest;
import dev.cairn.proto.v3electionpb.ResignResponse;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code v3electionpb.Election} service, built as etcd builds it ({@code
 * server/etcdserver/api/v3election} on {@code client/v3/concurrency}'s election): a pure client of
 * the KV, Lease and Watch services behind {@code channel}.
 *
 * <p>The candidates of election N are the keys {@code N/<lease in hex>}, each bound to its
 * candidate's lease and holding its proposed value; the oldest key is the leader. Campaign adds the
 * caller's key (or finds it from an earlier campaign with the same lease, proclaiming the new value
 * if it differs) and waits until every older key is deleted; a caller who goes away while waiting
 * has its key deleted. Proclaim and Resign act only while the leader key still has the create
 * revision the caller was elected with. Requests with lease 0 get a new 60 s lease that nobody
 * keeps alive (Proclaim and Resign too, as etcd's server does).
 */
public final class ElectionService extends ElectionGrpc.ElectionImplBase {
  private final EtcdClient etcd;
  private final WaitDeletes waits;

  public ElectionService(Channel channel) {
    this.etcd = new EtcdClient(channel);
    this.waits = new WaitDeletes(etcd);
  }

  @Override
  public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> responses) {
    Context ctx = Context.current();
    Replies.reply(
        ctx,
        responses,
        etcd.sessionLease(ctx, request.getLease())
            .thenCompose(lease -> campaign(ctx, request.getName(), lease, request.getValue())));
  }

  @Override
  public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> responses) {
    Context ctx = Context.current();
    if (!request.hasLeader()) {
      responses.onError(Errors.unknown(Errors.MISSING_LEADER_KEY));
      return;
    }
    LeaderKey leader = request.getLeader();
    Replies.reply(
        ctx,
        responses,
        etcd.sessionLease(ctx, leader.getLease())
            .thenCompose(
                lease -> proclaim(ctx, leader.getKey(), leader.getRev(), lease, request.getValue()))
            .thenApply(
                proclaimed ->
                    ProclaimResponse.newBuilder().setHeader(proclaimed.getHeader()).build()));
  }

  @Override
  public void leader(LeaderRequest request, StreamObserver<LeaderResponse> responses) {
    Context ctx = Context.current();
    ByteString prefix = EtcdClient.keyPrefix(request.getName());
    Replies.reply(
        ctx,
        responses,
        etcd.range(ctx, EtcdClient.firstCreated(prefix))
            .thenApply(
                found -> {
                  if (found.getKvsCount() == 0) {
                    throw Errors.unknown(Errors.NO_LEADER);
                  }
                  return leaderResponse(found.getHeader(), found.getKvs(0));
                }));
  }

  @Override
  public void resign(ResignRequest request, StreamObserver<ResignResponse> responses) {
    Context ctx = Context.current();
    if (!request.hasLeader()) {
      responses.onError(Errors.unknown(Errors.MISSING_LEADER_KEY));
      return;
    }
    LeaderKey leader = request.getLeader();
    Replies.reply(
        ctx,
        responses,
        etcd.sessionLease(ctx, leader.getLease())
            .thenCompose(lease -> resign(ctx, leader.getKey(), leader.getRev()))
            .thenApply(
                resigned -> ResignResponse.newBuilder().setHeader(resigned.getHeader()).build()));
  }

  @Override
  public void observe(LeaderRequest request, StreamObserver<LeaderResponse> responses) {
    Context ctx = Context.current();
    ServerCallStreamObserver<LeaderResponse> stream =
        (ServerCallStreamObserver<LeaderResponse>) responses;
    // Every backend call of the observer runs in ctx and so ends with the call; the handler only
    // keeps onNext from throwing once the call is gone.
    stream.setOnCancelHandler(() -> {});
    new Observer(ctx, EtcdClient.keyPrefix(request.getName()), stream).observeLeader();
  }

  /** etcd's {@code Election.Campaign}. */
  private CompletableFuture<CampaignResponse> campaign(
      Context ctx, ByteString name, long lease, ByteString value) {
    ByteString prefix = EtcdClient.keyPrefix(name);
    ByteString key = EtcdClient.sessionKey(name, lease);
    TxnRequest enter =
        TxnRequest.newBuilder()
            .addCompare(EtcdClient.createRevisionIs(key, 0))
            .addSuccess(EtcdClient.putOp(key, value, lease))
            .addFailure(EtcdClient.getOp(EtcdClient.get(key)))
            .build();
    return etcd.txn(ctx, enter)
        .thenCompose(
            entered -> {
              long rev;
              CompletableFuture<?> proclaimed = CompletableFuture.completedFuture(null);
              if (entered.getSucceeded()) {
                rev = entered.getHeader().getRevision();
              } else {
                KeyValue existing = entered.getResponses(0).getResponseRange().getKvs(0);
                rev = existing.getCreateRevision();
                if (!existing.getValue().equals(value)) {
                  proclaimed = proclaimOrResign(ctx, key, rev, lease, value);
                }
              }
              LeaderKey leader =
                  LeaderKey.newBuilder()
                      .setName(name)
                      .setKey(key)
                      .setRev(rev)
                      .setLease(lease)
                      .build();
              return proclaimed
                  .thenCompose(v -> waitToLead(ctx, prefix, key, rev))
                  .thenApply(
                      v ->
                          CampaignResponse.newBuilder()
                              .setHeader(entered.getHeader())
                              .setLeader(leader)
                              .build());
            });
  }

  /**
   * Campaign's proclamation of a new value on a key kept from an earlier campaign. When it fails
   * for any reason but "not leader", etcd resigns the key (with the caller's context).
   */
  private CompletableFuture<TxnResponse> proclaimOrResign(
      Context ctx, ByteString key, long rev, long lease, ByteString value) {
    return proclaim(ctx, key, rev, lease, value)
        .handle(
            (proclaimed, failure) -> {
              if (failure == null) {
                return CompletableFuture.completedFuture(proclaimed);
              }
              Status status = Errors.toStatus(failure, ctx);
              if (status.getCode() == Status.Code.UNKNOWN
                  && Errors.NOT_LEADER.equals(status.getDescription())) {
                // etcd forgets the key on "not leader", so its resign has nothing to delete
                throw Replies.rethrow(failure);
              }
              return resign(ctx, key, rev)
                  .<TxnResponse>handle(
                      (resigned, ignored) -> {
                        throw Replies.rethrow(failure);
                      });
            })
        .thenCompose(f -> f);
  }

  /**
   * Waits until every older candidate is gone; when the wait fails because the caller went away,
   * resigns the caller's key as etcd does, with its client's own context.
   */
  private CompletableFuture<Void> waitToLead(
      Context ctx, ByteString prefix, ByteString key, long rev) {
    return waits
        .waitDeletes(ctx, prefix, rev - 1)
        .handle(
            (v, failure) -> {
              if (failure == null) {
                return CompletableFuture.<Void>completedFuture(null);
              }
              if (!ctx.isCancelled()) {
                throw Replies.rethrow(failure);
              }
              return resign(Context.ROOT, key, rev)
                  .<Void>handle(
                      (resigned, ignored) -> {
                        throw Replies.rethrow(failure);
                      });
            })
        .thenCompose(f -> f);
  }

  /** etcd's {@code Election.Proclaim}: sets the value if the key is still the one elected. */
  private CompletableFuture<TxnResponse> proclaim(
      Context ctx, ByteString key, long rev, long lease, ByteString value) {
    TxnRequest proclaim =
        TxnRequest.newBuilder()
            .addCompare(EtcdClient.createRevisionIs(key, rev))
            .addSuccess(EtcdClient.putOp(key, value, lease))
            .build();
    return etcd.txn(ctx, proclaim)
        .thenApply(
            proclaimed -> {
              if (!proclaimed.getSucceeded()) {
                throw Errors.unknown(Errors.NOT_LEADER);
              }
              return proclaimed;
            });
  }

  /** etcd's {@code Election.Resign}: deletes the key if it is still the one elected. */
  private CompletableFuture<TxnResponse> resign(Context ctx, ByteString key, long rev) {
    TxnRequest resign =
        TxnRequest.newBuilder()
            .addCompare(EtcdClient.createRevisionIs(key, rev))
            .addSuccess(EtcdClient.deleteOp(key))
            .build();
    return etcd.txn(ctx, resign);
  }

  private static LeaderResponse leaderResponse(ResponseHeader header, KeyValue kv) {
    return LeaderResponse.newBuilder().setHeader(header).setKv(kv).build();
  }

  /**
   * One Observe call: etcd's {@code Election.observe}. Sends the current leader (waiting for one if
   * there is none), then every change of its value, until its key is deleted; then starts over.
   * Ends the stream without an error when a backend call fails, as etcd does (its observer channel
   * just closes).
   */
  private final class Observer {
    private final Context ctx;
    private final ByteString prefix;
    private final ServerCallStreamObserver<LeaderResponse> stream;

    Observer(Context ctx, ByteString prefix, ServerCallStreamObserver<LeaderResponse> stream) {
      this.ctx = ctx;
      this.prefix = prefix;
      this.stream = stream;
    }

    void observeLeader() {
      etcd.range(ctx, EtcdClient.firstCreated(prefix))
          .thenCompose(this::currentOrNextLeader)
          .thenCompose(
              leader -> {
                stream.onNext(leader);
                return followUntilDeleted(leader);
              })
          .whenComplete(
              (v, failure) -> {
                if (failure == null) {
                  observeLeader();
                } else if (ctx.isCancelled()) {
                  stream.onError(Errors.toStatus(failure, ctx).asRuntimeException());
                } else {
                  stream.onCompleted();
                }
              });
    }

    /** The leader found, or else the first key put under the prefix from then on. */
    private CompletableFuture<LeaderResponse> currentOrNextLeader(RangeResponse found) {
      if (found.getKvsCount() > 0) {
        return CompletableFuture.completedFuture(
            leaderResponse(found.getHeader(), found.getKvs(0)));
      }
      WatchCreateRequest puts =
          WatchCreateRequest.newBuilder()
              .setKey(prefix)
              .setRangeEnd(EtcdClient.prefixEnd(prefix))
              .setStartRevision(found.getHeader().getRevision())
              .build();
      return etcd.watch(
          ctx,
          puts,
          response -> {
            for (Event event : response.getEventsList()) {
              if (event.getType() == Event.EventType.PUT) {
                // etcd reports the put's revision, not the watch response's
                ResponseHeader header =
                    response.getHeader().toBuilder()
                        .setRevision(event.getKv().getModRevision())
                        .build();
                return leaderResponse(header, event.getKv());
              }
            }
            return null;
          });
    }

    /** Sends each new value of the leader's key until the key is deleted. */
    private CompletableFuture<Boolean> followUntilDeleted(LeaderResponse leader) {
      WatchCreateRequest changes =
          WatchCreateRequest.newBuilder()
              .setKey(leader.getKv().getKey())
              .setStartRevision(leader.getHeader().getRevision() + 1)
              .build();
      return etcd.watch(
          ctx,
          changes,
          response -> {
            for (Event event : response.getEventsList()) {
              if (event.getType() == Event.EventType.DELETE) {
                return Boolean.TRUE;
              }
              stream.onNext(leaderResponse(response.getHeader(), event.getKv()));
            }
            return null;
          });
    }
  }
}
