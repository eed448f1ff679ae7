package dev.cairn.store.bench;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrpc;
import dev.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import dev.cairn.proto.etcdserverpb.LeaseKeepAliveResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bench lease-keepalive}: etcd benchmark's lease-keepalive. Each client grants itself a
 * lease (TTL 100 s, as etcd's tool does) before the clock starts, then sends keep-alives for it on
 * one LeaseKeepAlive stream, one in flight, until {@code --total} have been sent by all clients.
 */
@Command(
    name = "lease-keepalive",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "Benchmark lease keepalive.")
final class LeaseKeepAliveCommand implements Callable<Integer> {
  private static final long LEASE_TTL_SECONDS = 100;
  private static final String LEASE_NOT_FOUND = "etcdserver: requested lease not found";

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @ParentCommand BenchCommand bench;

  @Spec CommandSpec spec;

  @Option(
      names = "--total",
      defaultValue = "10000",
      description = "Total number of lease keepalive requests (default: ${DEFAULT-VALUE})")
  int total;

  @Override
  public Integer call() throws InterruptedException {
    if (total < 0) {
      throw BenchCommand.usage(spec, "--total must not be negative");
    }
    Benchmark.Settings settings = bench.settings(spec);
    List<ManagedChannel> channels =
        Benchmark.connect(settings.endpoints(), settings.conns(), settings.tls());
    try {
      List<Client> clients = new ArrayList<>();
      AtomicLong next = new AtomicLong();
      CountDownLatch done = new CountDownLatch(settings.clients());
      for (int i = 0; i < settings.clients(); i++) {
        ManagedChannel ch = channels.get(i % channels.size());
        long id;
        try {
          id =
              LeaseGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(LEASE_TTL_SECONDS).build())
                  .getID();
        } catch (StatusRuntimeException e) {
          System.err.println("bench: lease grant failed: " + ErrorMessages.of(e));
          revoke(channels, clients);
          return 1;
        }
        clients.add(new Client(LeaseGrpc.newStub(ch), id, next, total, done));
      }
      long start = System.nanoTime();
      for (Client c : clients) {
        c.start();
      }
      done.await();
      long elapsed = System.nanoTime() - start;
      List<LatencyStats> stats = new ArrayList<>();
      for (Client c : clients) {
        stats.add(c.stats);
      }
      revoke(channels, clients);
      Report report = Report.of(LatencyStats.merge(stats), elapsed);
      report.print(System.out);
      return report.exitCode();
    } finally {
      Benchmark.close(channels);
    }
  }

  /** Revokes the clients' leases after the clock has stopped; failures are ignored. */
  private static void revoke(List<ManagedChannel> channels, List<Client> clients)
      throws InterruptedException {
    List<ListenableFuture<?>> revokes = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      revokes.add(
          LeaseGrpc.newFutureStub(channels.get(i % channels.size()))
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(clients.get(i).leaseId).build()));
    }
    try {
      Futures.successfulAsList(revokes).get(15, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // Best effort: the leases expire by themselves.
    }
  }

  /**
   * One client: its lease and its keep-alive stream, one request in flight. The stream's callbacks
   * never run concurrently and each sends at most the next request, so no locking is needed. A
   * client whose stream fails records one error and stops; the others send the remaining requests.
   */
  private static final class Client implements StreamObserver<LeaseKeepAliveResponse> {
    private final LeaseGrpc.LeaseStub stub;
    final long leaseId;
    private final LeaseKeepAliveRequest request;
    private final AtomicLong next;
    private final long total;
    private final CountDownLatch done;
    final LatencyStats stats = new LatencyStats();
    private StreamObserver<LeaseKeepAliveRequest> requests;
    private long sentAt;
    private boolean finished;

    Client(
        LeaseGrpc.LeaseStub stub, long leaseId, AtomicLong next, long total, CountDownLatch done) {
      this.stub = stub;
      this.leaseId = leaseId;
      this.request = LeaseKeepAliveRequest.newBuilder().setID(leaseId).build();
      this.next = next;
      this.total = total;
      this.done = done;
    }

    void start() {
      requests = stub.leaseKeepAlive(this);
      sendNext();
    }

    private void sendNext() {
      if (next.getAndIncrement() >= total) {
        finish();
        requests.onCompleted();
        return;
      }
      sentAt = System.nanoTime();
      requests.onNext(request);
    }

    private void finish() {
      if (!finished) {
        finished = true;
        done.countDown();
      }
    }

    @Override
    public void onNext(LeaseKeepAliveResponse response) {
      if (finished) {
        return;
      }
      if (response.getTTL() <= 0) {
        stats.recordError(LEASE_NOT_FOUND);
      } else {
        stats.recordLatency(System.nanoTime() - sentAt);
      }
      sendNext();
    }

    @Override
    public void onError(Throwable t) {
      if (!finished) {
        stats.recordError(ErrorMessages.of(t));
        finish();
      }
    }

    @Override
    public void onCompleted() {
      if (!finished) {
        stats.recordError("keepalive stream closed by the server");
        finish();
      }
    }
  }
}
