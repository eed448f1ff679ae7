package dev.cairn.store.durability;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.Compare;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeResponse;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.PutResponse;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.store.durability.Ledger.Effect;
import dev.cairn.store.durability.Ledger.Kind;
import dev.cairn.store.durability.Ledger.Write;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * One client thread writing its own keys, one request at a time, and recording every request and
 * answer in the {@link Ledger}: Puts of new keys, overwrites, re-creations, DeleteRanges of one key
 * or of a prefix, and Txns that compare, put and delete. A request that fails for a reason a crash
 * explains (the connection dropped, the member is down) is recorded as unacknowledged and the
 * writer goes on with a new request; any other answer it did not expect is recorded as unexpected.
 *
 * <p>Before each request it takes the shared gate's read lock, so that the test can pause every
 * writer between two requests to verify.
 */
final class Writer implements Runnable {
  /** Every key the test writes starts with this. */
  static final ByteString ROOT = ByteString.copyFromUtf8("dur/");

  /** Failures a killed or restarting member explains: the request may or may not have happened. */
  private static final Set<Status.Code> CRASH_CODES =
      Set.of(
          Status.Code.UNAVAILABLE,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.CANCELLED,
          Status.Code.RESOURCE_EXHAUSTED);

  private static final long DEADLINE_SECONDS = 15;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final int id;
  private final Random rnd;
  private final KVGrpc.KVBlockingStub kv;
  private final Ledger ledger;
  private final Lock gate;
  private long budget;
  private volatile boolean stopping;

  /** Keys that exist, every write to them acknowledged. */
  private final KeyPool live = new KeyPool();

  /** Keys deleted by an acknowledged write, every write to them acknowledged. */
  private final KeyPool gone = new KeyPool();

  /** Groups of keys made by one Txn, deletable as a prefix, with their keys. */
  private final Map<ByteString, List<ByteString>> groups = new HashMap<>();

  private final List<ByteString> groupOrder = new ArrayList<>();
  private long counter;
  private long issued;

  /**
   * A writer that issues nothing until {@link #grant granted} requests. It may run on one thread
   * after another (started after the previous one ended), never on two at once.
   */
  Writer(int id, long seed, ManagedChannel channel, Ledger ledger, Lock gate) {
    this.id = id;
    this.rnd = new Random(seed * 1_000_003L + id);
    this.kv = KVGrpc.newBlockingStub(channel).withWaitForReady();
    this.ledger = ledger;
    this.gate = gate;
  }

  /** Lets the next {@link #run} issue {@code requests} more requests, then return. */
  void grant(long requests) {
    budget = requests == Long.MAX_VALUE ? Long.MAX_VALUE : issued + requests;
    stopping = false;
  }

  /** Makes {@link #run} return after the request in progress. */
  void stop() {
    stopping = true;
  }

  @Override
  public void run() {
    try {
      while (!stopping && issued < budget) {
        gate.lock();
        try {
          if (stopping) {
            return;
          }
          writeOnce();
          issued++;
        } finally {
          gate.unlock();
        }
      }
    } catch (RuntimeException | Error e) {
      ledger.unexpected("writer " + id + " died: " + e);
      throw e;
    }
  }

  private KVGrpc.KVBlockingStub stub() {
    return kv.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private void writeOnce() {
    double r = rnd.nextDouble();
    if (r < 0.45 || live.isEmpty()) {
      putNew();
    } else if (r < 0.55) {
      overwrite(live.pick(rnd));
    } else if (r < 0.60 && !gone.isEmpty()) {
      overwrite(gone.pick(rnd));
    } else if (r < 0.70) {
      deleteOne(live.pick(rnd));
    } else if (r < 0.75 && deleteGroup()) {
      return;
    } else {
      txn();
    }
  }

  // ---- keys and values ----

  private ByteString prefix() {
    return ROOT.concat(ByteString.copyFromUtf8("w" + id + "/"));
  }

  private ByteString newKey() {
    return prefix().concat(ByteString.copyFromUtf8("k" + (++counter)));
  }

  /** A value no other write uses, of varying length. */
  private ByteString newValue() {
    StringBuilder b = new StringBuilder("v").append(id).append('.').append(++counter).append('.');
    int pad = rnd.nextInt(4) == 0 ? 64 + rnd.nextInt(448) : rnd.nextInt(24);
    for (int i = 0; i < pad; i++) {
      b.append(HEX[rnd.nextInt(16)]);
    }
    return ByteString.copyFromUtf8(b.toString());
  }

  /** The end of the range of keys starting with {@code prefix} (its last byte plus one). */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] b = prefix.toByteArray();
    b[b.length - 1]++;
    return ByteString.copyFrom(b);
  }

  // ---- requests ----

  private void putNew() {
    put(newKey());
  }

  private void overwrite(ByteString key) {
    put(key);
  }

  private void put(ByteString key) {
    ByteString value = newValue();
    live.remove(key);
    gone.remove(key);
    Write w = ledger.begin(id, Kind.PUT, List.of(Effect.put(key, value)));
    PutResponse resp;
    try {
      resp = stub().put(PutRequest.newBuilder().setKey(key).setValue(value).build());
    } catch (StatusRuntimeException e) {
      failed(w, e);
      return;
    }
    acknowledged(w, resp.getHeader().getRevision());
  }

  private void deleteOne(ByteString key) {
    live.remove(key);
    Write w = ledger.begin(id, Kind.DELETE_RANGE, List.of(Effect.delete(key)));
    DeleteRangeResponse resp;
    try {
      resp = stub().deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build());
    } catch (StatusRuntimeException e) {
      failed(w, e);
      return;
    }
    if (resp.getDeleted() != 1) {
      ledger.unexpected(w + ": deleted " + resp.getDeleted() + " keys, expected 1");
    }
    acknowledged(w, resp.getHeader().getRevision());
  }

  /** Deletes the live keys of a group made by a Txn through its prefix; false if none qualifies. */
  private boolean deleteGroup() {
    for (int tries = 0; tries < 4 && !groupOrder.isEmpty(); tries++) {
      int i = rnd.nextInt(groupOrder.size());
      ByteString g = groupOrder.get(i);
      List<ByteString> members = groups.get(g);
      List<Effect> effects = new ArrayList<>();
      boolean usable = true;
      for (ByteString k : members) {
        if (live.contains(k)) {
          effects.add(Effect.delete(k));
        } else if (!gone.contains(k)) {
          usable = false; // unresolved: never touched again
        }
      }
      if (!usable || effects.isEmpty()) {
        groupOrder.set(i, groupOrder.get(groupOrder.size() - 1));
        groupOrder.remove(groupOrder.size() - 1);
        groups.remove(g);
        continue;
      }
      for (Effect e : effects) {
        live.remove(e.key());
      }
      Write w = ledger.begin(id, Kind.DELETE_RANGE, effects);
      DeleteRangeResponse resp;
      try {
        resp =
            stub()
                .deleteRange(
                    DeleteRangeRequest.newBuilder().setKey(g).setRangeEnd(prefixEnd(g)).build());
      } catch (StatusRuntimeException e) {
        failed(w, e);
        return true;
      }
      if (resp.getDeleted() != effects.size()) {
        ledger.unexpected(w + ": deleted " + resp.getDeleted() + " keys");
      }
      acknowledged(w, resp.getHeader().getRevision());
      return true;
    }
    return false;
  }

  /**
   * A Txn whose compare must hold: the mod revision of a live key is its last acknowledged one (or
   * a new key does not exist yet). Its success branch makes a group of three new keys, overwrites
   * the compared key and may delete another live key; its failure branch puts a key that must never
   * appear.
   */
  private void txn() {
    ByteString group = prefix().concat(ByteString.copyFromUtf8("g" + (++counter) + "/"));
    List<ByteString> members = new ArrayList<>();
    for (String s : List.of("a", "b", "c")) {
      members.add(group.concat(ByteString.copyFromUtf8(s)));
    }
    TxnRequest.Builder t = TxnRequest.newBuilder();
    List<Effect> effects = new ArrayList<>();
    for (ByteString k : members) {
      ByteString v = newValue();
      effects.add(Effect.put(k, v));
      t.addSuccess(put(k, v));
    }
    ByteString compared = live.isEmpty() ? null : live.pick(rnd);
    if (compared != null) {
      long rev = ledger.history(compared).lastAcknowledged().revision;
      t.addCompare(
          Compare.newBuilder()
              .setKey(compared)
              .setTarget(Compare.CompareTarget.MOD)
              .setResult(Compare.CompareResult.EQUAL)
              .setModRevision(rev));
      ByteString v = newValue();
      effects.add(Effect.put(compared, v));
      t.addSuccess(put(compared, v));
      live.remove(compared);
    } else {
      t.addCompare(
          Compare.newBuilder()
              .setKey(members.get(0))
              .setTarget(Compare.CompareTarget.CREATE)
              .setResult(Compare.CompareResult.EQUAL)
              .setCreateRevision(0));
    }
    if (!live.isEmpty() && rnd.nextBoolean()) {
      ByteString victim = live.pick(rnd);
      live.remove(victim);
      effects.add(Effect.delete(victim));
      t.addSuccess(
          RequestOp.newBuilder()
              .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(victim)));
    }
    t.addFailure(put(prefix().concat(ByteString.copyFromUtf8("never" + (++counter))), newValue()));

    Write w = ledger.begin(id, Kind.TXN, effects);
    TxnResponse resp;
    try {
      resp = stub().txn(t.build());
    } catch (StatusRuntimeException e) {
      failed(w, e);
      return;
    }
    if (!resp.getSucceeded()) {
      ledger.unexpected(w + ": the compare failed");
    }
    acknowledged(w, resp.getHeader().getRevision());
    groups.put(group, members);
    groupOrder.add(group);
  }

  private static RequestOp put(ByteString key, ByteString value) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value))
        .build();
  }

  private void acknowledged(Write w, long revision) {
    ledger.acknowledged(w, revision);
    for (Effect e : w.effects) {
      (e.isDelete() ? gone : live).add(e.key());
    }
  }

  private void failed(Write w, StatusRuntimeException e) {
    Status s = e.getStatus();
    String why = s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
    ledger.failed(w, why);
    if (!CRASH_CODES.contains(s.getCode())) {
      ledger.unexpected(w + " failed with " + why);
    }
  }

  /** A set of keys with O(1) add, remove and random pick. */
  private static final class KeyPool {
    private final List<ByteString> keys = new ArrayList<>();
    private final Map<ByteString, Integer> index = new HashMap<>();

    boolean isEmpty() {
      return keys.isEmpty();
    }

    boolean contains(ByteString k) {
      return index.containsKey(k);
    }

    ByteString pick(Random rnd) {
      return keys.get(rnd.nextInt(keys.size()));
    }

    void add(ByteString k) {
      if (index.putIfAbsent(k, keys.size()) == null) {
        keys.add(k);
      }
    }

    void remove(ByteString k) {
      Integer i = index.remove(k);
      if (i == null) {
        return;
      }
      ByteString last = keys.remove(keys.size() - 1);
      if (i < keys.size()) {
        keys.set(i, last);
        index.put(last, i);
      }
    }
  }
}
