package dev.cairn.store.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * etcd's KV API on single keys: put, linearizable get, delete and a compare-and-swap Txn. Keys are
 * independent, so histories are checked key by key.
 */
public final class KvModel implements Model<KeyState, KvInput, KvOutput> {

  @Override
  public KeyState init() {
    return KeyState.ABSENT;
  }

  @Override
  public Optional<KeyState> step(KeyState state, KvInput input, KvOutput output) {
    return switch (input) {
      case KvInput.Put put -> answers(output, KvOutput.written(), new KeyState(put.value()));
      case KvInput.Get get -> answers(output, KvOutput.read(state.value()), state);
      case KvInput.Delete delete ->
          answers(output, KvOutput.deleted(state.present() ? 1 : 0), KeyState.ABSENT);
      case KvInput.Cas cas -> {
        boolean matches = Objects.equals(state.value(), cas.expected());
        KeyState after = matches ? new KeyState(cas.value()) : state;
        yield answers(output, KvOutput.swapped(matches), after);
      }
    };
  }

  /**
   * Gets; and deletes or swaps that did nothing, which are only accepted where they change nothing.
   */
  @Override
  public boolean leavesStateUnchanged(KvInput input, KvOutput output) {
    return input instanceof KvInput.Get
        || KvOutput.deleted(0).equals(output)
        || KvOutput.swapped(false).equals(output);
  }

  private static Optional<KeyState> answers(KvOutput actual, KvOutput expected, KeyState after) {
    return actual == null || actual.equals(expected) ? Optional.of(after) : Optional.empty();
  }

  @Override
  public Map<String, List<Operation<KvInput, KvOutput>>> partition(
      List<Operation<KvInput, KvOutput>> history) {
    Map<String, List<Operation<KvInput, KvOutput>>> byKey = new TreeMap<>();
    for (Operation<KvInput, KvOutput> op : history) {
      byKey.computeIfAbsent(op.input().key(), k -> new ArrayList<>()).add(op);
    }
    Map<String, List<Operation<KvInput, KvOutput>>> labelled = new TreeMap<>();
    byKey.forEach((key, ops) -> labelled.put("key " + quote(key), UnknownWrites.simplify(ops)));
    return labelled;
  }

  @Override
  public String describeInput(KvInput input) {
    return switch (input) {
      case KvInput.Put put -> "put(" + put.key() + ", " + quote(put.value()) + ")";
      case KvInput.Get get -> "get(" + get.key() + ")";
      case KvInput.Delete delete -> "delete(" + delete.key() + ")";
      case KvInput.Cas cas ->
          "cas(" + cas.key() + ", " + quote(cas.expected()) + " -> " + quote(cas.value()) + ")";
    };
  }

  @Override
  public String describeOutput(KvOutput output) {
    return switch (output) {
      case KvOutput.Written w -> "ok";
      case KvOutput.Read read -> quote(read.value());
      case KvOutput.Deleted deleted -> "deleted " + deleted.count();
      case KvOutput.Swapped swapped -> swapped.succeeded() ? "succeeded" : "failed";
    };
  }

  @Override
  public String describeState(KeyState state) {
    return quote(state.value());
  }

  private static String quote(String value) {
    if (value == null) {
      return "absent";
    }
    return value.equals(KvInput.UNREAD) ? "a value nobody read" : '"' + value + '"';
  }
}
