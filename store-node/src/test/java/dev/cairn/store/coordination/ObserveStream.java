package dev.cairn.store.coordination;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.proto.v3electionpb.ElectionGrpc;
import dev.cairn.proto.v3electionpb.LeaderRequest;
import dev.cairn.proto.v3electionpb.LeaderResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A client of one Observe stream, taking its messages one at a time. */
final class ObserveStream
    implements ClientResponseObserver<LeaderRequest, LeaderResponse>, AutoCloseable {
  private static final Object END = new Object();

  private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
  private volatile ClientCallStreamObserver<LeaderRequest> call;

  static ObserveStream open(ElectionGrpc.ElectionStub stub, LeaderRequest request) {
    ObserveStream s = new ObserveStream();
    stub.observe(request, s);
    return s;
  }

  /** The next message; fails if none comes within 10 s or the stream ends instead. */
  LeaderResponse next() throws InterruptedException {
    Object o = received.poll(10, TimeUnit.SECONDS);
    assertThat(o).as("next Observe message").isNotNull().isInstanceOf(LeaderResponse.class);
    return (LeaderResponse) o;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<LeaderRequest> requestStream) {
    call = requestStream;
  }

  @Override
  public void onNext(LeaderResponse value) {
    received.add(value);
  }

  @Override
  public void onError(Throwable t) {
    received.add(t);
  }

  @Override
  public void onCompleted() {
    received.add(END);
  }

  @Override
  public void close() {
    call.cancel("test done", null);
  }
}
