package dev.cairn.store.linearizability;

import static org.assertj.core.api.Assertions.assertThatObject;

import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ObjectAssert;

/** Hand-written KV histories, times in milliseconds. */
final class Scenario {
  private static final long MS = 1_000_000;

  private final List<Operation<KvInput, KvOutput>> ops = new ArrayList<>();

  Scenario put(int client, String key, String value, long call, long ret) {
    return done(client, new KvInput.Put(key, value), KvOutput.written(), call, ret);
  }

  Scenario putUnknown(int client, String key, String value, long call) {
    return unknown(client, new KvInput.Put(key, value), call);
  }

  /** A get that found {@code value}, or nothing when it is null. */
  Scenario get(int client, String key, String value, long call, long ret) {
    return done(client, new KvInput.Get(key), KvOutput.read(value), call, ret);
  }

  Scenario delete(int client, String key, long deleted, long call, long ret) {
    return done(client, new KvInput.Delete(key), KvOutput.deleted(deleted), call, ret);
  }

  Scenario deleteUnknown(int client, String key, long call) {
    return unknown(client, new KvInput.Delete(key), call);
  }

  Scenario cas(
      int client, String key, String expected, String value, boolean ok, long call, long ret) {
    return done(client, new KvInput.Cas(key, expected, value), KvOutput.swapped(ok), call, ret);
  }

  Scenario casUnknown(int client, String key, String expected, String value, long call) {
    return unknown(client, new KvInput.Cas(key, expected, value), call);
  }

  List<Operation<KvInput, KvOutput>> operations() {
    return List.copyOf(ops);
  }

  CheckResult check() {
    return LinearizabilityChecker.check(new KvModel(), ops);
  }

  /** Asserts on the verdict; a failure shows the whole result, explanation included. */
  ObjectAssert<Verdict> assertVerdict() {
    CheckResult result = check();
    return assertThatObject(result.verdict()).as("%s", result);
  }

  private Scenario done(int client, KvInput input, KvOutput output, long call, long ret) {
    ops.add(Operation.completed(client, input, output, call * MS, ret * MS));
    return this;
  }

  private Scenario unknown(int client, KvInput input, long call) {
    ops.add(Operation.unknown(client, input, call * MS));
    return this;
  }
}
