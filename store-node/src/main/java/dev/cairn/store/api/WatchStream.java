package dev.cairn.store.api;

import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.etcdserverpb.WatchCancelRequest;
import dev.cairn.proto.etcdserverpb.WatchCreateRequest;
import dev.cairn.proto.etcdserverpb.WatchRequest;
import dev.cairn.proto.etcdserverpb.WatchResponse;
import dev.cairn.proto.mvccpb.Event;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.server.MemberStatus;
import dev.cairn.store.support.KeyRange;
import dev.cairn.store.watch.WatchSink;
import dev.cairn.store.watch.WatchableStore;
import dev.cairn.store.watch.Watcher;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One client's watch stream: many watchers, one ordered queue of responses, sent as fast as the
 * client reads. Every create gets exactly one created response, in request order, before any event
 * of that watcher. When the queue is full a watcher stops taking events and catches up from history
 * later, so a slow client costs a bounded amount of memory and never slows writers.
 */
final class WatchStream implements StreamObserver<WatchRequest>, WatchSink {
  /** Responses queued before watchers are told the stream is full. */
  static final int MAX_QUEUED = 1024;

  static final String RANGE_EMPTY = "mvcc: watcher range is empty";
  static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
  static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";

  private final ServerCallStreamObserver<WatchResponse> call;
  private final WatchableStore store;
  private final MemberStatus member;
  private final int fragmentBytes;

  /** A queued response: ready made, or events still to be turned into one. */
  private record Outgoing(WatchResponse ready, Entry entry, List<Event> events, long revision) {}

  private static final class Entry {
    final long id;
    final boolean prevKv;
    final boolean fragment;
    Watcher watcher;
    boolean created;
    final List<Outgoing> pending = new ArrayList<>();

    Entry(long id, boolean prevKv, boolean fragment) {
      this.id = id;
      this.prevKv = prevKv;
      this.fragment = fragment;
    }
  }

  // Guarded by this.
  private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
  private final Map<Long, Entry> entries = new HashMap<>();
  private final Guard guard;
  private long nextId;
  private boolean draining;
  private boolean drainScheduled;
  private boolean fellBehind;
  private boolean closed;

  WatchStream(
      ServerCallStreamObserver<WatchResponse> call,
      WatchableStore store,
      MemberStatus member,
      Guard guard,
      int fragmentBytes) {
    this.call = call;
    this.guard = guard;
    this.store = store;
    this.member = member;
    this.fragmentBytes = fragmentBytes;
    call.setOnReadyHandler(this::drain);
    call.setOnCancelHandler(this::closeAll);
  }

  private ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder()
        .setClusterId(member.clusterId())
        .setMemberId(member.memberId())
        .setRaftTerm(member.raftTerm())
        .setRevision(revision)
        .build();
  }

  // ---- requests ----

  @Override
  public void onNext(WatchRequest req) {
    switch (req.getRequestUnionCase()) {
      case CREATE_REQUEST -> create(req.getCreateRequest());
      case CANCEL_REQUEST -> cancel(req.getCancelRequest());
      case PROGRESS_REQUEST -> progressAll();
      default -> {}
    }
    drain();
  }

  private void refuse(String reason) {
    enqueue(
        WatchResponse.newBuilder()
            .setHeader(header(member.currentRevision()))
            .setWatchId(-1)
            .setCreated(true)
            .setCanceled(true)
            .setCancelReason(reason)
            .build());
  }

  /**
   * etcd gives a refused watch the text of its gRPC error, as Go prints one ("rpc error: code = ...
   * desc = ..."), and reports every failure but three as permission denied.
   */
  static String authCancelReason(dev.cairn.store.support.StoreError e) {
    return switch (e) {
      case INVALID_AUTH_TOKEN ->
          "rpc error: code = Unauthenticated desc = etcdserver: invalid auth token";
      case AUTH_OLD_REVISION ->
          "rpc error: code = InvalidArgument desc = etcdserver: revision of auth store is old";
      case USER_EMPTY -> "rpc error: code = InvalidArgument desc = etcdserver: user name is empty";
      default -> "rpc error: code = PermissionDenied desc = etcdserver: permission denied";
    };
  }

  private void create(WatchCreateRequest c) {
    byte[] key = c.getKey().isEmpty() ? new byte[] {0} : c.getKey().toByteArray();
    byte[] end = c.getRangeEnd().toByteArray();
    // The range as asked, a range end of \0 meaning every key from the key on (etcd 3.5 checks
    // before it reads \0 so; 3.4 checked the key alone, GHSA-xg4h-6gfc-h4m8).
    try {
      guard.range(
          com.google.protobuf.ByteString.copyFrom(key),
          com.google.protobuf.ByteString.copyFrom(end));
    } catch (dev.cairn.store.support.StoreException denied) {
      refuse(authCancelReason(denied.error()));
      return;
    }
    if (c.getStartRevision() < 0) {
      refuse(COMPACTED);
      return;
    }
    KeyRange range = KeyRange.of(key, end);
    if (!range.isSingleKey() && !range.isOpenEnded() && Arrays.compareUnsigned(key, end) >= 0) {
      refuse(RANGE_EMPTY);
      return;
    }
    Entry e;
    synchronized (this) {
      long id = c.getWatchId();
      if (id != 0 && entries.containsKey(id)) {
        refuseLocked(DUPLICATE_ID);
        return;
      }
      if (id == 0) {
        while (entries.containsKey(nextId)) {
          nextId++;
        }
        id = nextId++;
      }
      e = new Entry(id, c.getPrevKv(), c.getFragment());
      entries.put(id, e);
    }
    boolean noPut = false;
    boolean noDelete = false;
    for (WatchCreateRequest.FilterType f : c.getFiltersList()) {
      noPut |= f == WatchCreateRequest.FilterType.NOPUT;
      noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
    }
    Watcher w =
        store.watch(
            e.id, range, c.getStartRevision(), noPut, noDelete, c.getProgressNotify(), this);
    synchronized (this) {
      e.watcher = w;
      queue.add(
          new Outgoing(
              WatchResponse.newBuilder()
                  .setHeader(header(member.currentRevision()))
                  .setWatchId(e.id)
                  .setCreated(true)
                  .build(),
              null,
              null,
              0));
      e.created = true;
      queue.addAll(e.pending);
      e.pending.clear();
    }
  }

  private void refuseLocked(String reason) {
    queue.add(
        new Outgoing(
            WatchResponse.newBuilder()
                .setHeader(header(member.currentRevision()))
                .setWatchId(-1)
                .setCreated(true)
                .setCanceled(true)
                .setCancelReason(reason)
                .build(),
            null,
            null,
            0));
  }

  private void cancel(WatchCancelRequest c) {
    Entry e;
    synchronized (this) {
      e = entries.remove(c.getWatchId());
    }
    if (e == null || e.watcher == null) {
      return; // unknown ids are ignored, as etcd does
    }
    store.cancel(e.watcher);
    enqueue(
        WatchResponse.newBuilder()
            .setHeader(header(member.currentRevision()))
            .setWatchId(e.id)
            .setCanceled(true)
            .build());
  }

  private void progressAll() {
    List<Watcher> ws = new ArrayList<>();
    synchronized (this) {
      for (Entry e : entries.values()) {
        if (e.watcher != null) {
          ws.add(e.watcher);
        }
      }
    }
    if (ws.isEmpty()) {
      return;
    }
    long rev = store.progressRevisionIfSynced(ws);
    if (rev >= 0) {
      enqueue(WatchResponse.newBuilder().setHeader(header(rev)).setWatchId(-1).build());
    }
  }

  @Override
  public void onError(Throwable t) {
    closeAll();
  }

  @Override
  public void onCompleted() {
    // As etcd: the client closing its side does not end the watches; cancelling the call does.
  }

  private void closeAll() {
    List<Entry> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(entries.values());
      entries.clear();
      queue.clear();
    }
    for (Entry e : all) {
      if (e.watcher != null) {
        store.cancel(e.watcher);
      }
    }
  }

  // ---- WatchSink: called by the store, under its lock; only queue here ----

  @Override
  public boolean events(long watchId, List<Event> events, long revision) {
    synchronized (this) {
      Entry e = entries.get(watchId);
      if (e == null || closed) {
        return true; // cancelled: drop
      }
      Outgoing o = new Outgoing(null, e, events, revision);
      if (!e.created) {
        e.pending.add(o);
      } else {
        if (queue.size() >= MAX_QUEUED) {
          fellBehind = true;
          return false;
        }
        queue.add(o);
      }
    }
    drainLater();
    return true;
  }

  @Override
  public void compacted(long watchId, long compactRevision) {
    synchronized (this) {
      Entry e = entries.get(watchId);
      if (e == null || closed) {
        return;
      }
      // As etcd, the watch keeps its id until the client cancels it (the cancel is answered), and
      // its created response goes first even when the sync thread is quicker than create().
      Outgoing o =
          new Outgoing(
              WatchResponse.newBuilder()
                  .setHeader(header(0))
                  .setWatchId(watchId)
                  .setCompactRevision(compactRevision)
                  .setCanceled(true)
                  .build(),
              null,
              null,
              0);
      if (e.created) {
        queue.add(o);
      } else {
        e.pending.add(o);
      }
    }
    drainLater();
  }

  @Override
  public void progress(long watchId, long revision) {
    synchronized (this) {
      Entry e = entries.get(watchId);
      if (e == null || !e.created || closed) {
        return;
      }
      queue.add(
          new Outgoing(
              WatchResponse.newBuilder().setHeader(header(revision)).setWatchId(watchId).build(),
              null,
              null,
              0));
    }
    drainLater();
  }

  @Override
  public synchronized boolean hasRoom() {
    return !closed && queue.size() < MAX_QUEUED / 2;
  }

  // ---- sending ----

  private void enqueue(WatchResponse r) {
    synchronized (this) {
      if (closed) {
        return;
      }
      queue.add(new Outgoing(r, null, null, 0));
    }
  }

  /** Threads that send watch responses, shared by all streams. */
  private static final java.util.concurrent.ExecutorService SENDERS =
      java.util.concurrent.Executors.newFixedThreadPool(
          Runtime.getRuntime().availableProcessors(),
          r -> {
            Thread t = new Thread(r, "watch-send");
            t.setDaemon(true);
            return t;
          });

  /**
   * Sends from a sender thread: the store's caller (the apply thread) must not do the sending
   * itself. At most one send task per stream is pending; a running drain picks up what is queued.
   */
  private void drainLater() {
    synchronized (this) {
      if (draining || drainScheduled || closed) {
        return;
      }
      drainScheduled = true;
    }
    SENDERS.execute(
        () -> {
          synchronized (this) {
            drainScheduled = false;
          }
          drain();
        });
  }

  /** Sends queued responses while the client keeps up; one thread at a time sends. */
  private void drain() {
    synchronized (this) {
      if (draining) {
        return;
      }
      draining = true;
    }
    boolean behind = false;
    while (true) {
      Outgoing o;
      synchronized (this) {
        if (closed || queue.isEmpty() || !call.isReady()) {
          draining = false;
          behind = fellBehind && queue.size() < MAX_QUEUED / 2;
          if (behind) {
            fellBehind = false;
          }
          break;
        }
        o = queue.poll();
      }
      try {
        if (o.ready() != null) {
          call.onNext(o.ready());
        } else {
          for (WatchResponse r : toResponses(o)) {
            call.onNext(r);
          }
        }
      } catch (RuntimeException ex) {
        closeAll(); // the call is gone
        return;
      }
    }
    if (behind) {
      store.requestSync();
    }
  }

  private List<WatchResponse> toResponses(Outgoing o) {
    List<Event> events = o.events();
    if (o.entry().prevKv) {
      List<Event> withPrev = new ArrayList<>(events.size());
      for (Event ev : events) {
        if (ev.getType() == Event.EventType.PUT && ev.getKv().getVersion() == 1) {
          withPrev.add(ev); // a creation has nothing before it
          continue;
        }
        KeyValue prev = store.previous(ev);
        withPrev.add(prev == null ? ev : ev.toBuilder().setPrevKv(prev).build());
      }
      events = withPrev;
    }
    WatchResponse whole =
        WatchResponse.newBuilder()
            .setHeader(header(o.revision()))
            .setWatchId(o.entry().id)
            .addAllEvents(events)
            .build();
    if (!o.entry().fragment || whole.getSerializedSize() < fragmentBytes || events.size() < 2) {
      return List.of(whole);
    }
    List<WatchResponse> out = new ArrayList<>();
    WatchResponse.Builder cur = whole.toBuilder().clearEvents().setFragment(true);
    for (Event ev : events) {
      cur.addEvents(ev);
      if (cur.getEventsCount() > 1 && cur.build().getSerializedSize() >= fragmentBytes) {
        cur.removeEvents(cur.getEventsCount() - 1);
        out.add(cur.build());
        cur = whole.toBuilder().clearEvents().setFragment(true).addEvents(ev);
      }
    }
    out.add(cur.setFragment(false).build());
    return out;
  }
}
