package dev.cairn.store.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Random histories of a correct store: clients call one operation at a time with random pauses and
 * latencies, and each operation takes effect at a random instant between its call and return, in
 * one sequential map. Some writes end with unknown outcome, half of them having taken effect.
 */
final class SimulatedStore {
  private static final long MAX_PAUSE = 20_000;
  private static final long MAX_LATENCY = 200_000;
  private static final KvModel MODEL = new KvModel();

  private record Draft(
      int client, OpMix.Kind kind, String key, long call, long effect, boolean unknown) {}

  /** A history with one read turned stale, and the read before and after. */
  record StaleRead(
      List<Operation<KvInput, KvOutput>> history,
      Operation<KvInput, KvOutput> original,
      Operation<KvInput, KvOutput> stale) {}

  private SimulatedStore() {}

  static List<Operation<KvInput, KvOutput>> history(
      long seed, int clients, int keys, int operations, double unknownWrites) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] free = new long[clients];
    long[] returns = new long[operations];
    List<Draft> drafts = new ArrayList<>(operations);
    for (int i = 0; i < operations; i++) {
      int client = 0;
      for (int c = 1; c < clients; c++) {
        client = free[c] < free[client] ? c : client;
      }
      long call = free[client] + random.nextLong(MAX_PAUSE);
      long latency = 1 + random.nextLong(MAX_LATENCY);
      OpMix.Kind kind = OpMix.DEFAULT.pick(random);
      boolean unknown = kind != OpMix.Kind.GET && random.nextDouble() < unknownWrites;
      String key = "k" + random.nextInt(keys);
      drafts.add(new Draft(client + 1, kind, key, call, call + random.nextLong(latency), unknown));
      returns[i] = call + latency;
      free[client] = returns[i];
    }
    List<Integer> byEffect = new ArrayList<>();
    for (int i = 0; i < operations; i++) {
      byEffect.add(i);
    }
    byEffect.sort(Comparator.comparingLong(i -> drafts.get(i).effect()));

    Map<String, String> store = new HashMap<>();
    Map<String, List<String>> written = new HashMap<>();
    int[] sequence = new int[clients + 1];
    List<Operation<KvInput, KvOutput>> ops = new ArrayList<>(operations);
    for (int i : byEffect) {
      Draft d = drafts.get(i);
      String current = store.get(d.key());
      String value = "c" + d.client() + "-" + ++sequence[d.client()];
      KvInput input =
          switch (d.kind()) {
            case PUT -> new KvInput.Put(d.key(), value);
            case GET -> new KvInput.Get(d.key());
            case DELETE -> new KvInput.Delete(d.key());
            case CAS ->
                new KvInput.Cas(d.key(), expectation(random, current, written.get(d.key())), value);
          };
      KvOutput output = answer(input, current);
      if (!d.unknown() || random.nextBoolean()) {
        KeyState after = MODEL.step(new KeyState(current), input, output).orElseThrow();
        store.put(d.key(), after.value());
        if (input instanceof KvInput.Put || input instanceof KvInput.Cas) {
          written.computeIfAbsent(d.key(), k -> new ArrayList<>()).add(value);
        }
      }
      ops.add(
          d.unknown()
              ? Operation.unknown(d.client(), input, d.call())
              : Operation.completed(d.client(), input, output, d.call(), returns[i]));
    }
    ops.sort(Comparator.comparingLong(Operation::callNanos));
    return ops;
  }

  private static String expectation(SplittableRandom random, String current, List<String> past) {
    double r = random.nextDouble();
    if (r < 0.6 || past == null) {
      return r < 0.8 ? current : null;
    }
    return r < 0.8 ? null : past.get(past.size() - 1 - random.nextInt(Math.min(3, past.size())));
  }

  private static KvOutput answer(KvInput input, String current) {
    return switch (input) {
      case KvInput.Put put -> KvOutput.written();
      case KvInput.Get get -> KvOutput.read(current);
      case KvInput.Delete delete -> KvOutput.deleted(current == null ? 0 : 1);
      case KvInput.Cas cas -> KvOutput.swapped(Objects.equals(current, cas.expected()));
    };
  }

  /**
   * Makes a read from the second half of the history return a value that was overwritten, by an
   * acknowledged put, before the read was called: no linearization can explain it.
   */
  static StaleRead withStaleRead(List<Operation<KvInput, KvOutput>> history) {
    for (int r = history.size() / 2; r < history.size(); r++) {
      Operation<KvInput, KvOutput> read = history.get(r);
      if (!(read.input() instanceof KvInput.Get) || read.outcomeUnknown()) {
        continue;
      }
      String stale = overwrittenBefore(history, read.input().key(), read.callNanos());
      if (stale != null && !KvOutput.read(stale).equals(read.output())) {
        Operation<KvInput, KvOutput> corrupted =
            Operation.completed(
                read.client(),
                read.input(),
                KvOutput.read(stale),
                read.callNanos(),
                read.returnNanos());
        List<Operation<KvInput, KvOutput>> copy = new ArrayList<>(history);
        copy.set(r, corrupted);
        return new StaleRead(copy, read, corrupted);
      }
    }
    throw new IllegalArgumentException("no read to corrupt");
  }

  /** A value put by an acknowledged put that another acknowledged put followed, all before t. */
  private static String overwrittenBefore(
      List<Operation<KvInput, KvOutput>> history, String key, long t) {
    List<Operation<KvInput, KvOutput>> puts =
        history.stream()
            .filter(op -> op.input() instanceof KvInput.Put && op.input().key().equals(key))
            .filter(op -> !op.outcomeUnknown() && op.returnNanos() < t)
            .toList();
    for (Operation<KvInput, KvOutput> later : puts) {
      for (Operation<KvInput, KvOutput> earlier : puts) {
        if (earlier.returnNanos() < later.callNanos()) {
          return ((KvInput.Put) earlier.input()).value();
        }
      }
    }
    return null;
  }
}
