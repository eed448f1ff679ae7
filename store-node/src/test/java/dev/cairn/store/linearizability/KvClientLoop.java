package dev.cairn.store.linearizability;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One client of a {@link KvWorkload}: a thread sending one request at a time. */
final class KvClientLoop implements Runnable {
  private final KvWorkload workload;
  private final int id;
  private final List<String> endpoints;
  private final List<String> keys;
  private final OpMix mix;
  private final Duration opTimeout;
  private final SplittableRandom random;
  // The value this client last saw under each key (null: absent), what its Txns expect.
  private final Map<String, String> lastSeen = new HashMap<>();
  private long written;

  KvClientLoop(
      KvWorkload workload,
      int id,
      List<String> endpoints,
      List<String> keys,
      OpMix mix,
      Duration opTimeout,
      SplittableRandom random) {
    this.workload = workload;
    this.id = id;
    this.endpoints = endpoints;
    this.keys = keys;
    this.mix = mix;
    this.opTimeout = opTimeout;
    this.random = random;
  }

  @Override
  public void run() {
    try (Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
      KV kv = client.getKVClient();
      while (!Thread.currentThread().isInterrupted() && workload.mayContinue()) {
        send(kv, nextInput());
      }
    } catch (RuntimeException e) {
      workload.crashed(e);
    }
  }

  private KvInput nextInput() {
    String key = keys.get(random.nextInt(keys.size()));
    return switch (mix.pick(random)) {
      case PUT -> new KvInput.Put(key, nextValue());
      case GET -> new KvInput.Get(key);
      case DELETE -> new KvInput.Delete(key);
      case CAS -> new KvInput.Cas(key, lastSeen.get(key), nextValue());
    };
  }

  private String nextValue() {
    return "c" + id + "-" + ++written;
  }

  private void send(KV kv, KvInput input) {
    History<KvInput, KvOutput>.Call call = workload.history().call(id, input);
    CompletableFuture<KvOutput> future = null;
    try {
      future = request(kv, input);
      KvOutput output = future.get(opTimeout.toNanos(), TimeUnit.NANOSECONDS);
      call.returned(output);
      workload.count(KvWorkload.Outcome.COMPLETED);
      remember(input, output);
    } catch (Exception e) {
      if (future != null) {
        future.cancel(true);
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (input.isWrite()) {
        call.unknown();
        workload.count(KvWorkload.Outcome.UNKNOWN);
        lastSeen.remove(input.key());
      } else {
        workload.count(KvWorkload.Outcome.FAILED_READ);
      }
    }
  }

  private static CompletableFuture<KvOutput> request(KV kv, KvInput input) {
    ByteSequence key = bytes(input.key());
    return switch (input) {
      case KvInput.Put put -> kv.put(key, bytes(put.value())).thenApply(r -> KvOutput.written());
      case KvInput.Get get ->
          kv.get(key)
              .thenApply(
                  r ->
                      KvOutput.read(
                          r.getKvs().isEmpty()
                              ? null
                              : r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8)));
      case KvInput.Delete delete -> kv.delete(key).thenApply(r -> KvOutput.deleted(r.getDeleted()));
      case KvInput.Cas cas ->
          kv.txn()
              .If(guard(key, cas.expected()))
              .Then(Op.put(key, bytes(cas.value()), PutOption.DEFAULT))
              .commit()
              .thenApply(r -> KvOutput.swapped(r.isSucceeded()));
    };
  }

  /** etcd fails any value comparison on a missing key, so absence is a zero create revision. */
  private static Cmp guard(ByteSequence key, String expected) {
    return expected == null
        ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0))
        : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(bytes(expected)));
  }

  private void remember(KvInput input, KvOutput output) {
    switch (input) {
      case KvInput.Put put -> lastSeen.put(put.key(), put.value());
      case KvInput.Get get -> lastSeen.put(get.key(), ((KvOutput.Read) output).value());
      case KvInput.Delete delete -> lastSeen.put(delete.key(), null);
      case KvInput.Cas cas -> {
        if (((KvOutput.Swapped) output).succeeded()) {
          lastSeen.put(cas.key(), cas.value());
        }
      }
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
