package dev.cairn.store.compat;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import dev.cairn.proto.etcdserverpb.WatchCancelRequest;
import dev.cairn.proto.etcdserverpb.WatchCreateRequest;
import dev.cairn.proto.etcdserverpb.WatchGrpc;
import dev.cairn.proto.etcdserverpb.WatchProgressRequest;
import dev.cairn.proto.etcdserverpb.WatchRequest;
import dev.cairn.proto.etcdserverpb.WatchResponse;
import dev.cairn.proto.mvccpb.Event;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * One client watch stream (etcd's bidi {@code Watch} call) that records every response in arrival
 * order, with the time each arrived, and waits for responses with Awaitility.
 */
final class WatchSession implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(15);

  /** A response and when it arrived ({@link System#nanoTime()}). */
  record Received(WatchResponse response, long nanos) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final ClientCallStreamObserver<WatchRequest> requests;
  private volatile Throwable failure;
  private int creates;

  WatchSession(WatchGrpc.WatchStub stub) {
    requests =
        (ClientCallStreamObserver<WatchRequest>)
            stub.watch(
                new StreamObserver<>() {
                  @Override
                  public void onNext(WatchResponse r) {
                    received.add(new Received(r, System.nanoTime()));
                  }

                  @Override
                  public void onError(Throwable t) {
                    failure = t;
                  }

                  @Override
                  public void onCompleted() {}
                });
  }

  static WatchCreateRequest.Builder watch(String key) {
    return WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8(key));
  }

  static WatchCreateRequest.Builder watch(String key, String rangeEnd) {
    return watch(key).setRangeEnd(ByteString.copyFromUtf8(rangeEnd));
  }

  /** Every key with the prefix, as clients compute the range end. */
  static WatchCreateRequest.Builder watchPrefix(String prefix) {
    byte[] end = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    end[end.length - 1]++;
    return watch(prefix).setRangeEnd(ByteString.copyFrom(end));
  }

  void create(WatchCreateRequest.Builder c) {
    creates++;
    requests.onNext(WatchRequest.newBuilder().setCreateRequest(c).build());
  }

  void cancel(long watchId) {
    requests.onNext(
        WatchRequest.newBuilder()
            .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(watchId))
            .build());
  }

  void requestProgress() {
    requests.onNext(
        WatchRequest.newBuilder()
            .setProgressRequest(WatchProgressRequest.getDefaultInstance())
            .build());
  }

  /** How many create requests this stream has sent; each gets exactly one created response. */
  int createsSent() {
    return creates;
  }

  /** Every response so far, in arrival order. */
  List<WatchResponse> responses() {
    return received.stream().map(Received::response).toList();
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  /** Waits for the n-th (from 1) response matching, and returns it. */
  WatchResponse awaitNth(String what, int n, Predicate<WatchResponse> p) {
    List<WatchResponse> found = new ArrayList<>();
    Awaitility.await(what)
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(10))
        .failFast("watch stream failed", () -> failure != null)
        .until(
            () -> {
              found.clear();
              responses().stream().filter(p).forEach(found::add);
              return found.size() >= n;
            });
    return found.get(n - 1);
  }

  WatchResponse await(String what, Predicate<WatchResponse> p) {
    return awaitNth(what, 1, p);
  }

  /** Waits for the created response of the n-th create request (from 1) on this stream. */
  WatchResponse awaitCreated(int n) {
    return awaitNth("created response #" + n, n, WatchResponse::getCreated);
  }

  /** Waits until watcher {@code id} has been sent an event of revision {@code rev}. */
  WatchResponse awaitEventAt(long id, long rev) {
    return await(
        "watcher " + id + " gets an event at revision " + rev,
        r ->
            r.getWatchId() == id
                && r.getEventsList().stream().anyMatch(e -> e.getKv().getModRevision() == rev));
  }

  static boolean hasEventFor(WatchResponse r, String key) {
    for (Event e : r.getEventsList()) {
      if (e.getKv().getKey().toStringUtf8().equals(key)) {
        return true;
      }
    }
    return false;
  }

  String dump() {
    return responses().stream()
        .map(r -> "  " + TextFormat.printer().shortDebugString(r))
        .collect(Collectors.joining("\n"));
  }

  @Override
  public void close() {
    requests.cancel("test done", null);
  }
}
