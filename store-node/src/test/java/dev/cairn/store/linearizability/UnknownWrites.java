package dev.cairn.store.linearizability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites writes of unknown outcome on one key into equivalent ones that are cheaper to search,
 * using what the rest of the history saw.
 *
 * <p>When a value is written by one operation only, a read that returned it proves that write took
 * effect before the read returned: it gets that return time instead of {@link Operation#NEVER}.
 *
 * <p>A value nobody read or compared against cannot be told from any other such value, so unknown
 * writes of one become writes of {@link KvInput#UNREAD}; the search then sees that they are
 * interchangeable.
 */
final class UnknownWrites {
  private UnknownWrites() {}

  static List<Operation<KvInput, KvOutput>> simplify(List<Operation<KvInput, KvOutput>> ops) {
    Map<String, Integer> writers = new HashMap<>();
    Map<String, Long> firstSeen = new HashMap<>();
    Set<String> referenced = new HashSet<>();
    for (Operation<KvInput, KvOutput> op : ops) {
      String written = writtenValue(op.input());
      if (written != null) {
        writers.merge(written, 1, Integer::sum);
      }
      String seen = observedValue(op);
      if (seen != null) {
        firstSeen.merge(seen, op.returnNanos(), Math::min);
        referenced.add(seen);
      }
      if (op.input() instanceof KvInput.Cas cas && cas.expected() != null) {
        referenced.add(cas.expected());
      }
    }
    if (referenced.contains(KvInput.UNREAD) || writers.containsKey(KvInput.UNREAD)) {
      return ops;
    }
    List<Operation<KvInput, KvOutput>> simpler = new ArrayList<>(ops.size());
    for (Operation<KvInput, KvOutput> op : ops) {
      String written = writtenValue(op.input());
      Long seenBy = written == null ? null : firstSeen.get(written);
      if (!op.outcomeUnknown() || written == null) {
        simpler.add(op);
      } else if (seenBy != null && writers.get(written) == 1 && seenBy >= op.callNanos()) {
        simpler.add(op.returnedBy(Math.min(seenBy, op.returnNanos())));
      } else if (!referenced.contains(written)) {
        simpler.add(
            new Operation<>(
                op.client(), unread(op.input()), null, op.callNanos(), op.returnNanos()));
      } else {
        simpler.add(op);
      }
    }
    return simpler;
  }

  private static KvInput unread(KvInput input) {
    return switch (input) {
      case KvInput.Put put -> new KvInput.Put(put.key(), KvInput.UNREAD);
      case KvInput.Cas cas -> new KvInput.Cas(cas.key(), cas.expected(), KvInput.UNREAD);
      default -> input;
    };
  }

  private static String writtenValue(KvInput input) {
    return switch (input) {
      case KvInput.Put put -> put.value();
      case KvInput.Cas cas -> cas.value();
      case KvInput.Get get -> null;
      case KvInput.Delete delete -> null;
    };
  }

  /** A value the operation saw in the store, if it reports one. */
  private static String observedValue(Operation<KvInput, KvOutput> op) {
    if (op.output() instanceof KvOutput.Read read) {
      return read.value();
    }
    if (op.input() instanceof KvInput.Cas cas
        && op.output() instanceof KvOutput.Swapped swapped
        && swapped.succeeded()) {
      return cas.expected();
    }
    return null;
  }
}
