package dev.cairn.store.compat;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.CompactionRequest;
import dev.cairn.proto.etcdserverpb.Compare;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.compat.KvOp.Rpc;
import dev.cairn.store.support.KeyRange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * A seeded stream of KV requests over a small key space, so that operations interact: random
 * ranges, puts, deletes, transactions and compactions, plus a fixed set of scenarios (every error
 * etcd's KV service answers, every sort and compare combination) each placed once at a seeded
 * position. The same seed and the same answers from the reference give the same stream.
 */
final class KvOpGenerator {
  /** What the generator needs to know of the reference store to aim its requests. */
  interface View {
    /** The store's current revision. */
    long revision();

    /** The revision of the last successful compaction; -1 when never compacted. */
    long compactRevision();

    /** The key's current key-value, or null when it does not exist. */
    KeyValue current(ByteString key);
  }

  /** etcd's default --max-request-bytes. */
  static final int MAX_REQUEST_BYTES = 3 * 512 * 1024;

  /** The gRPC layer's limit: --max-request-bytes plus 512 KiB. */
  static final int GRPC_LIMIT_BYTES = MAX_REQUEST_BYTES + 512 * 1024;

  static final int MAX_TXN_OPS = 128;

  /** Twelve keys, in unsigned order; with signed bytes the last four would sort first. */
  static final List<ByteString> KEYS =
      List.of(
          bs("\u0000"),
          bs("a"),
          bs("a/1"),
          bs("a/2"),
          bs("ab"),
          bs("b"),
          bs("b\u0000"),
          bs("c"),
          bs("\u007f"),
          bs("\u0080"),
          bs("\u00ff"),
          bs("\u00ff\u00ff"));

  /** Keys never written: range bounds and absent keys. */
  static final List<ByteString> ABSENT =
      List.of(bs("a/"), bs("aa"), bs("b\u0001"), bs("d"), bs("\u0001"), bs("\u00fe"));

  static final List<ByteString> PREFIXES =
      List.of(bs("a"), bs("a/"), bs("b"), bs("\u0000"), bs("\u007f"), bs("\u00ff"));

  static final List<ByteString> VALUES =
      List.of(
          ByteString.EMPTY,
          bs("0"),
          bs("1"),
          bs("v"),
          bs("v1"),
          bs("\u0000"),
          bs("\u0080"),
          bs("\u00ff"),
          bs("zz"));

  static final ByteString ZERO = bs("\u0000");

  private static final RangeRequest.SortOrder[] ORDERS = {
    RangeRequest.SortOrder.NONE, RangeRequest.SortOrder.ASCEND, RangeRequest.SortOrder.DESCEND
  };
  private static final RangeRequest.SortTarget[] TARGETS = {
    RangeRequest.SortTarget.KEY,
    RangeRequest.SortTarget.VERSION,
    RangeRequest.SortTarget.CREATE,
    RangeRequest.SortTarget.MOD,
    RangeRequest.SortTarget.VALUE
  };
  private static final Compare.CompareTarget[] CMP_TARGETS = {
    Compare.CompareTarget.VERSION,
    Compare.CompareTarget.CREATE,
    Compare.CompareTarget.MOD,
    Compare.CompareTarget.VALUE,
    Compare.CompareTarget.LEASE
  };
  private static final Compare.CompareResult[] CMP_RESULTS = {
    Compare.CompareResult.EQUAL,
    Compare.CompareResult.GREATER,
    Compare.CompareResult.LESS,
    Compare.CompareResult.NOT_EQUAL
  };

  private final Random rnd;
  private final View view;
  private final int total;
  private final Deque<KvOp> pending = new ArrayDeque<>();
  private final TreeMap<Integer, List<Supplier<List<KvOp>>>> scheduled = new TreeMap<>();
  private final Set<String> features = new TreeSet<>();
  private int produced;

  KvOpGenerator(long seed, int total, View view) {
    this.rnd = new Random(seed);
    this.view = view;
    this.total = total;
    prologue();
    List<Supplier<List<KvOp>>> all = scenarios();
    Collections.shuffle(all, rnd);
    int first = 12;
    for (Supplier<List<KvOp>> s : all) {
      int at = first + rnd.nextInt(Math.max(1, total - first - 40));
      scheduled.computeIfAbsent(at, k -> new ArrayList<>()).add(s);
    }
  }

  /** Every feature the stream exercised so far. */
  Set<String> features() {
    return features;
  }

  boolean hasNext() {
    return produced < total || !pending.isEmpty() || !scheduled.isEmpty();
  }

  KvOp next() {
    if (pending.isEmpty()) {
      List<Supplier<List<KvOp>>> due = scheduled.remove(produced);
      if (due != null) {
        for (Supplier<List<KvOp>> s : due) {
          pending.addAll(s.get());
        }
      }
    }
    // Scenarios whose turn was taken by a longer scenario run as soon as it is done.
    if (pending.isEmpty() && !scheduled.isEmpty() && scheduled.firstKey() < produced) {
      for (Supplier<List<KvOp>> s : scheduled.pollFirstEntry().getValue()) {
        pending.addAll(s.get());
      }
    }
    produced++;
    if (!pending.isEmpty()) {
      return pending.poll();
    }
    return randomOp();
  }

  /** Whether scenarios remain unplayed (they run before the stream ends). */
  boolean scenariosLeft() {
    return !scheduled.isEmpty();
  }

  // ---- helpers ----

  static ByteString bs(String latin1) {
    return ByteString.copyFrom(latin1.getBytes(StandardCharsets.ISO_8859_1));
  }

  private void feature(String f) {
    features.add(f);
  }

  private <T> T pick(List<T> from) {
    return from.get(rnd.nextInt(from.size()));
  }

  private <T> T pick(T[] from) {
    return from[rnd.nextInt(from.length)];
  }

  private long pickLong(long... from) {
    return from[rnd.nextInt(from.length)];
  }

  private boolean chance(int percent) {
    return rnd.nextInt(100) < percent;
  }

  private ByteString anyKey() {
    return chance(85) ? pick(KEYS) : pick(ABSENT);
  }

  private static ByteString prefixEnd(ByteString prefix) {
    return ByteString.copyFrom(KeyRange.prefixEnd(prefix.toByteArray()));
  }

  private static int cmp(ByteString a, ByteString b) {
    return ByteString.unsignedLexicographicalComparator().compare(a, b);
  }

  private record Span(ByteString key, ByteString end) {}

  private Span span() {
    int r = rnd.nextInt(100);
    if (r < 40) {
      feature("span/single-key");
      return new Span(anyKey(), ByteString.EMPTY);
    }
    if (r < 62) {
      ByteString k = anyKey();
      ByteString end = anyKey();
      feature(cmp(k, end) < 0 ? "span/key-to-end" : "span/end-not-after-key");
      return new Span(k, end);
    }
    if (r < 78) {
      ByteString p = pick(PREFIXES);
      ByteString end = prefixEnd(p);
      feature(end.equals(ZERO) ? "span/prefix-of-0xff" : "span/prefix");
      return new Span(p, end);
    }
    if (r < 90) {
      feature("span/from-key");
      return new Span(anyKey(), ZERO);
    }
    feature("span/all-keys");
    return new Span(ZERO, ZERO);
  }

  private enum RevKind {
    CURRENT,
    HISTORICAL,
    AT_COMPACTION,
    COMPACTED,
    FUTURE,
    NEGATIVE,
    ONE
  }

  /** Mostly readable revisions; one in three outside the readable history. */
  private static final RevKind[] REV_MIX = {
    RevKind.CURRENT,
    RevKind.HISTORICAL,
    RevKind.HISTORICAL,
    RevKind.HISTORICAL,
    RevKind.HISTORICAL,
    RevKind.AT_COMPACTION,
    RevKind.NEGATIVE,
    RevKind.COMPACTED,
    RevKind.FUTURE,
    RevKind.ONE
  };

  private long readRevision(RevKind kind) {
    long cur = view.revision();
    long comp = view.compactRevision();
    long lo = Math.max(1, comp);
    switch (kind) {
      case CURRENT:
        feature("rev/current");
        return cur;
      case AT_COMPACTION:
        if (comp >= 1) {
          feature("rev/at-compaction");
          return comp;
        }
        break;
      case COMPACTED:
        if (comp >= 2) {
          feature("rev/compacted");
          return 1 + rnd.nextLong(comp - 1);
        }
        break;
      case FUTURE:
        feature("rev/future");
        return cur + 1 + rnd.nextInt(3);
      case NEGATIVE:
        feature("rev/negative");
        return -1 - rnd.nextInt(3);
      case ONE:
        feature("rev/one");
        return 1;
      default:
        break;
    }
    feature("rev/historical");
    return lo + rnd.nextLong(cur - lo + 1);
  }

  // ---- requests ----

  private RangeRequest.Builder range(Span s, boolean inTxn) {
    RangeRequest.Builder b = RangeRequest.newBuilder().setKey(s.key()).setRangeEnd(s.end());
    if (chance(35)) {
      // etcd asks its index for limit + 1 keys, which overflows at Long.MAX_VALUE.
      long limit = pickLong(1, 1, 2, 3, 5, -1, 100, Long.MAX_VALUE);
      b.setLimit(limit);
      feature(
          limit < 0
              ? "range/negative-limit"
              : limit == Long.MAX_VALUE ? "range/max-limit" : "range/limit");
    }
    if (chance(inTxn ? 20 : 45)) {
      b.setRevision(readRevision(pick(REV_MIX)));
    }
    if (chance(40)) {
      sort(b, pick(ORDERS), pick(TARGETS));
    }
    if (chance(30)) {
      b.setSerializable(true);
      feature("range/serializable");
    }
    if (chance(15)) {
      b.setKeysOnly(true);
      feature("range/keys-only");
    }
    if (chance(10)) {
      b.setCountOnly(true);
      feature("range/count-only");
    }
    if (chance(10)) {
      b.setMinModRevision(filterRevision());
      feature("range/min-mod");
    }
    if (chance(10)) {
      b.setMaxModRevision(filterRevision());
      feature("range/max-mod");
    }
    if (chance(10)) {
      b.setMinCreateRevision(filterRevision());
      feature("range/min-create");
    }
    if (chance(10)) {
      b.setMaxCreateRevision(filterRevision());
      feature("range/max-create");
    }
    return b;
  }

  private long filterRevision() {
    return chance(5) ? -1 : 1 + rnd.nextLong(view.revision() + 2);
  }

  private void sort(
      RangeRequest.Builder b, RangeRequest.SortOrder order, RangeRequest.SortTarget target) {
    b.setSortOrder(order).setSortTarget(target);
    feature("sort/" + order + "/" + target);
  }

  private PutRequest.Builder put(ByteString key) {
    PutRequest.Builder b = PutRequest.newBuilder().setKey(key).setValue(pick(VALUES));
    if (chance(40)) {
      b.setPrevKv(true);
      feature("put/prev-kv");
    }
    int r = rnd.nextInt(100);
    if (r < 8) {
      b.setIgnoreValue(true);
      if (chance(85)) {
        b.clearValue();
      }
      feature("put/ignore-value");
    } else if (r < 15) {
      b.setIgnoreLease(true);
      if (chance(10)) {
        b.setLease(1 + rnd.nextInt(1000));
      }
      feature("put/ignore-lease");
    } else if (r < 18) {
      b.setLease(1 + rnd.nextInt(1000));
      feature("put/lease");
    }
    return b;
  }

  private DeleteRangeRequest.Builder delete(Span s) {
    DeleteRangeRequest.Builder b =
        DeleteRangeRequest.newBuilder().setKey(s.key()).setRangeEnd(s.end());
    if (chance(50)) {
      b.setPrevKv(true);
      feature("delete/prev-kv");
    }
    return b;
  }

  private Compare compare(Compare.CompareTarget target, Compare.CompareResult result) {
    ByteString key = chance(85) ? pick(KEYS) : pick(ABSENT);
    Compare.Builder c = Compare.newBuilder().setKey(key).setTarget(target).setResult(result);
    KeyValue kv = null;
    if (chance(15)) {
      int r = rnd.nextInt(3);
      c.setRangeEnd(r == 0 ? ZERO : r == 1 ? prefixEnd(key) : anyKey());
      feature("compare/range-end");
    } else {
      kv = view.current(key);
      if (kv == null) {
        feature("compare/absent-key");
      }
    }
    boolean near = kv != null && chance(60);
    long delta = pickLong(-1, 0, 0, 1);
    long cur = view.revision();
    switch (target) {
      case VERSION -> c.setVersion(near ? kv.getVersion() + delta : rnd.nextInt(4));
      case CREATE ->
          c.setCreateRevision(near ? kv.getCreateRevision() + delta : rnd.nextLong(cur + 2));
      case MOD -> c.setModRevision(near ? kv.getModRevision() + delta : rnd.nextLong(cur + 2));
      case VALUE -> c.setValue(near ? kv.getValue() : pick(VALUES));
      case LEASE -> c.setLease(pickLong(0, 0, 0, 1, -1));
      default -> throw new IllegalArgumentException(target.toString());
    }
    int odd = rnd.nextInt(100);
    if (odd < 4) {
      // The union holds another target's field: etcd compares against zero / empty.
      c.setVersion(1);
      if (target == Compare.CompareTarget.VERSION) {
        c.setValue(pick(VALUES));
      }
      feature("compare/mismatched-union");
    } else if (odd < 7) {
      c.clearTargetUnion();
      feature("compare/unset-union");
    }
    feature("compare/" + target + "/" + result);
    return c.build();
  }

  private Compare compare() {
    return compare(pick(CMP_TARGETS), pick(CMP_RESULTS));
  }

  private TxnRequest.Builder txn(int depth) {
    List<ByteString> fresh = new ArrayList<>(KEYS);
    Collections.shuffle(fresh, rnd);
    return txn(depth, new ArrayDeque<>(fresh));
  }

  /**
   * A transaction whose writes mostly take distinct keys from {@code fresh}, shared with the
   * enclosing transaction, so that most transactions pass etcd's duplicate-key check and run.
   */
  private TxnRequest.Builder txn(int depth, Deque<ByteString> fresh) {
    TxnRequest.Builder t = TxnRequest.newBuilder();
    int r = rnd.nextInt(100);
    int compares = r < 15 ? 0 : r < 60 ? 1 : r < 85 ? 2 : 3;
    for (int i = 0; i < compares; i++) {
      t.addCompare(compare());
    }
    t.addAllSuccess(branch(depth, fresh));
    t.addAllFailure(branch(depth, fresh));
    if (depth > 0) {
      feature("txn/nested");
    }
    return t;
  }

  /** A key to write: the twelve keys only, so that no range ever holds more than twelve. */
  private ByteString writeKey() {
    return pick(KEYS);
  }

  private ByteString freshKey(Deque<ByteString> fresh) {
    return fresh.isEmpty() || chance(7) ? writeKey() : fresh.poll();
  }

  private List<RequestOp> branch(int depth, Deque<ByteString> fresh) {
    int n = rnd.nextInt(5);
    List<RequestOp> ops = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int r = rnd.nextInt(100);
      if (r < 35) {
        ops.add(RequestOp.newBuilder().setRequestRange(range(span(), true)).build());
      } else if (r < 65) {
        PutRequest.Builder p = put(freshKey(fresh));
        if (chance(50)) {
          p.clearIgnoreValue().clearIgnoreLease().clearLease();
        }
        ops.add(RequestOp.newBuilder().setRequestPut(p).build());
      } else if (r < 85 || depth >= 2) {
        Span s = chance(70) ? new Span(freshKey(fresh), ByteString.EMPTY) : span();
        ops.add(RequestOp.newBuilder().setRequestDeleteRange(delete(s)).build());
      } else {
        ops.add(RequestOp.newBuilder().setRequestTxn(txn(depth + 1, fresh)).build());
      }
    }
    return ops;
  }

  private KvOp compact(long rev, String label) {
    feature(label);
    return new KvOp(
        Rpc.COMPACT,
        CompactionRequest.newBuilder().setRevision(rev).setPhysical(chance(30)).build(),
        label);
  }

  private KvOp randomOp() {
    int r = rnd.nextInt(100);
    if (r < 30) {
      return new KvOp(Rpc.RANGE, range(span(), false).build(), "range");
    }
    if (r < 52) {
      return new KvOp(Rpc.PUT, put(writeKey()).build(), "put");
    }
    if (r < 62) {
      return new KvOp(Rpc.DELETE_RANGE, delete(span()).build(), "delete");
    }
    if (r < 97) {
      return new KvOp(Rpc.TXN, txn(0).build(), "txn");
    }
    return randomCompact();
  }

  private KvOp randomCompact() {
    long cur = view.revision();
    long comp = view.compactRevision();
    int r = rnd.nextInt(10);
    if (r < 2) {
      return compact(cur, "compact/current");
    }
    if (r < 6 && cur > comp + 1) {
      return compact(comp + 1 + rnd.nextLong(cur - comp), "compact/between");
    }
    if (r < 7) {
      return compact(comp, "compact/at-compacted");
    }
    if (r < 8 && comp > 0) {
      return compact(rnd.nextLong(comp), "compact/below-compacted");
    }
    if (r < 9) {
      return compact(cur + 1 + rnd.nextInt(5), "compact/future");
    }
    return compact(0, "compact/zero");
  }

  // ---- fixed parts ----

  private void prologue() {
    pending.add(
        new KvOp(
            Rpc.PUT, PutRequest.newBuilder().setKey(KEYS.get(1)).setValue(bs("1")).build(), "put"));
    // etcd starts with compacted revision -1, so compacting at 0 succeeds once.
    pending.add(compact(0, "compact/zero-first"));
    pending.add(compact(0, "compact/zero-again"));
    for (int i = 0; i < 6; i++) {
      pending.add(new KvOp(Rpc.PUT, put(pick(KEYS)).clearLease().build(), "put"));
    }
  }

  private static RequestOp op(RangeRequest.Builder r) {
    return RequestOp.newBuilder().setRequestRange(r).build();
  }

  private static RequestOp op(PutRequest.Builder p) {
    return RequestOp.newBuilder().setRequestPut(p).build();
  }

  private static RequestOp op(DeleteRangeRequest.Builder d) {
    return RequestOp.newBuilder().setRequestDeleteRange(d).build();
  }

  private static RequestOp op(TxnRequest.Builder t) {
    return RequestOp.newBuilder().setRequestTxn(t).build();
  }

  private static PutRequest.Builder plainPut(String key, String value) {
    return PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value));
  }

  private static DeleteRangeRequest.Builder del(String key, String end) {
    return DeleteRangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(end));
  }

  private static RangeRequest.Builder get(String key) {
    return RangeRequest.newBuilder().setKey(bs(key));
  }

  private KvOp txnOp(String label, TxnRequest.Builder t) {
    feature(label);
    return new KvOp(Rpc.TXN, t.build(), label);
  }

  private KvOp single(Rpc rpc, com.google.protobuf.Message m, String label) {
    feature(label);
    return new KvOp(rpc, m, label);
  }

  private static ByteString filler(int size, char c) {
    byte[] b = new byte[size];
    java.util.Arrays.fill(b, (byte) c);
    return ByteString.copyFrom(b);
  }

  private TxnRequest.Builder rangesOnly(int success, int failure) {
    TxnRequest.Builder t = TxnRequest.newBuilder();
    for (int i = 0; i < success; i++) {
      t.addSuccess(op(get(i % 2 == 0 ? "a" : "b")));
    }
    for (int i = 0; i < failure; i++) {
      t.addFailure(op(get("c")));
    }
    return t;
  }

  private List<Supplier<List<KvOp>>> scenarios() {
    List<Supplier<List<KvOp>>> s = new ArrayList<>();
    // Empty keys.
    s.add(
        () ->
            List.of(
                single(
                    Rpc.RANGE,
                    RangeRequest.newBuilder().setRangeEnd(bs("z")).build(),
                    "error/empty-key-range")));
    s.add(() -> List.of(single(Rpc.PUT, plainPut("", "v").build(), "error/empty-key-put")));
    s.add(() -> List.of(single(Rpc.DELETE_RANGE, del("", "").build(), "error/empty-key-delete")));
    s.add(
        () ->
            List.of(
                txnOp(
                    "error/empty-key-compare",
                    TxnRequest.newBuilder()
                        .addCompare(
                            Compare.newBuilder()
                                .setRangeEnd(ZERO)
                                .setTarget(Compare.CompareTarget.VERSION)
                                .setVersion(0))
                        .addSuccess(op(plainPut("a", "x"))))));
    s.add(
        () ->
            List.of(
                txnOp(
                    "error/empty-key-nested-put",
                    TxnRequest.newBuilder()
                        .addFailure(op(get("a")))
                        .addFailure(op(TxnRequest.newBuilder().addSuccess(op(plainPut("", "x")))))),
                txnOp(
                    "error/empty-key-nested-compare",
                    TxnRequest.newBuilder()
                        .addSuccess(
                            op(
                                TxnRequest.newBuilder()
                                    .addCompare(Compare.newBuilder().setValue(bs("v")))))),
                txnOp(
                    "error/empty-key-txn-range",
                    TxnRequest.newBuilder()
                        .addSuccess(op(RangeRequest.newBuilder().setRangeEnd(ZERO))))));
    // Put's flags.
    s.add(
        () ->
            List.of(
                single(
                    Rpc.PUT,
                    plainPut("a", "v").setIgnoreValue(true).build(),
                    "error/ignore-value-with-value"),
                single(
                    Rpc.PUT,
                    plainPut("d", "v").setIgnoreValue(true).build(),
                    "error/ignore-value-with-value-missing-key"),
                single(
                    Rpc.PUT,
                    plainPut("a", "").setIgnoreLease(true).setLease(5).build(),
                    "error/ignore-lease-with-lease"),
                single(Rpc.PUT, plainPut("a", "v").setLease(7).build(), "error/lease-not-found"),
                single(
                    Rpc.PUT,
                    plainPut("d", "").setIgnoreValue(true).setLease(7).build(),
                    "error/lease-checked-before-key"),
                single(
                    Rpc.PUT,
                    plainPut("d", "").setIgnoreValue(true).build(),
                    "error/ignore-value-missing-key"),
                single(
                    Rpc.PUT,
                    plainPut("aa", "v").setIgnoreLease(true).build(),
                    "error/ignore-lease-missing-key")));
    s.add(
        () ->
            List.of(
                single(Rpc.PUT, plainPut("b", "v1").build(), "put/plain"),
                single(
                    Rpc.PUT,
                    plainPut("b", "").setIgnoreValue(true).setPrevKv(true).build(),
                    "put/ignore-value-existing"),
                single(
                    Rpc.PUT,
                    plainPut("b", "v2").setIgnoreLease(true).setPrevKv(true).build(),
                    "put/ignore-lease-existing"),
                single(
                    Rpc.PUT,
                    plainPut("b", "").setIgnoreLease(true).setIgnoreValue(true).build(),
                    "put/ignore-both-existing")));
    // Transactions failing at apply time, and which failure wins.
    s.add(
        () ->
            List.of(
                txnOp(
                    "error/txn-lease-not-found",
                    TxnRequest.newBuilder().addSuccess(op(plainPut("a", "x").setLease(9)))),
                txnOp(
                    "error/txn-ignore-value-missing-key",
                    TxnRequest.newBuilder()
                        .addSuccess(op(get("a")))
                        .addSuccess(op(plainPut("d", "").setIgnoreValue(true)))),
                txnOp(
                    "error/txn-range-future-then-bad-put",
                    TxnRequest.newBuilder()
                        .addSuccess(op(get("a").setRevision(view.revision() + 100)))
                        .addSuccess(op(plainPut("d", "").setIgnoreValue(true)))),
                txnOp(
                    "error/txn-range-future-then-lease",
                    TxnRequest.newBuilder()
                        .addSuccess(op(get("a").setRevision(view.revision() + 1)))
                        .addSuccess(op(plainPut("a", "x").setLease(3)))),
                txnOp(
                    "error/txn-nested-range-future-then-bad-put",
                    TxnRequest.newBuilder()
                        .addSuccess(
                            op(
                                TxnRequest.newBuilder()
                                    .addSuccess(op(get("b").setRevision(view.revision() + 2)))))
                        .addSuccess(op(plainPut("aa", "").setIgnoreLease(true)))),
                txnOp(
                    "error/txn-lease-then-missing-key",
                    TxnRequest.newBuilder()
                        .addSuccess(op(plainPut("a", "x").setLease(3)))
                        .addSuccess(op(plainPut("d", "").setIgnoreValue(true)))),
                txnOp(
                    "error/txn-range-future",
                    TxnRequest.newBuilder()
                        .addFailure(op(get("a").setRevision(view.revision() + 1)))
                        .addCompare(
                            Compare.newBuilder()
                                .setKey(bs("d"))
                                .setTarget(Compare.CompareTarget.VALUE)
                                .setValue(ByteString.EMPTY))),
                txnOp(
                    "txn/read-only-negative-revision",
                    TxnRequest.newBuilder().addSuccess(op(get("a").setRevision(-1)))),
                txnOp(
                    "txn/untaken-branch-errors-ignored",
                    TxnRequest.newBuilder()
                        .addFailure(op(plainPut("d", "").setIgnoreValue(true)))
                        .addFailure(op(get("a").setRevision(view.revision() + 5)))
                        .addSuccess(op(get("a"))))));
    // Too many operations.
    s.add(
        () ->
            List.of(
                txnOp("error/too-many-ops-success", rangesOnly(MAX_TXN_OPS + 1, 0)),
                txnOp("error/too-many-ops-failure", rangesOnly(0, MAX_TXN_OPS + 1)),
                txnOp("txn/max-ops", rangesOnly(MAX_TXN_OPS, MAX_TXN_OPS))));
    s.add(
        () -> {
          TxnRequest.Builder t = TxnRequest.newBuilder();
          for (int i = 0; i < MAX_TXN_OPS + 1; i++) {
            t.addCompare(
                Compare.newBuilder()
                    .setKey(bs("a"))
                    .setTarget(Compare.CompareTarget.VERSION)
                    .setResult(Compare.CompareResult.GREATER)
                    .setVersion(-1));
          }
          return List.of(txnOp("error/too-many-ops-compare", t));
        });
    s.add(
        () -> {
          TxnRequest.Builder over = rangesOnly(100, 0).addSuccess(op(rangesOnly(29, 0)));
          TxnRequest.Builder exact = rangesOnly(100, 0).addSuccess(op(rangesOnly(27, 0)));
          TxnRequest.Builder deep =
              rangesOnly(60, 0).addFailure(op(rangesOnly(0, 40).addFailure(op(rangesOnly(0, 30)))));
          return List.of(
              txnOp("error/too-many-ops-nested", over),
              txnOp("txn/nested-ops-within-budget", exact),
              txnOp("error/too-many-ops-nested-twice", deep));
        });
    // Duplicate keys in one branch.
    s.add(
        () ->
            List.of(
                txnOp(
                    "error/dup-put-twice",
                    TxnRequest.newBuilder()
                        .addSuccess(op(plainPut("a", "1")))
                        .addSuccess(op(plainPut("a", "2")))),
                txnOp(
                    "error/dup-put-in-deleted-range",
                    TxnRequest.newBuilder()
                        .addFailure(op(del("a", "c")))
                        .addFailure(op(plainPut("b", "1")))),
                txnOp(
                    "error/dup-put-then-delete-key",
                    TxnRequest.newBuilder()
                        .addSuccess(op(plainPut("c", "1")))
                        .addSuccess(op(del("c", "")))),
                txnOp(
                    "error/dup-put-in-prefix-delete",
                    TxnRequest.newBuilder()
                        .addSuccess(op(plainPut("a/2", "1")))
                        .addSuccess(op(del("a/", "a0")))),
                txnOp(
                    "error/dup-nested-then-and-outer",
                    TxnRequest.newBuilder()
                        .addSuccess(op(plainPut("a", "1")))
                        .addSuccess(
                            op(TxnRequest.newBuilder().addSuccess(op(plainPut("a", "2")))))),
                txnOp(
                    "error/dup-nested-else-and-outer",
                    TxnRequest.newBuilder()
                        .addSuccess(op(TxnRequest.newBuilder().addFailure(op(plainPut("a", "2")))))
                        .addSuccess(op(plainPut("a", "1")))),
                txnOp(
                    "error/dup-outer-delete-nested-put",
                    TxnRequest.newBuilder()
                        .addSuccess(op(del("a", "c")))
                        .addSuccess(
                            op(TxnRequest.newBuilder().addFailure(op(plainPut("b", "2")))))),
                txnOp(
                    "error/dup-nested-delete-outer-put",
                    TxnRequest.newBuilder()
                        .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(del("a", "c")))))
                        .addSuccess(op(plainPut("b", "2")))),
                txnOp(
                    "error/dup-sibling-delete-then-put",
                    TxnRequest.newBuilder()
                        .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(del("b", "")))))
                        .addSuccess(
                            op(TxnRequest.newBuilder().addSuccess(op(plainPut("b", "2")))))),
                txnOp(
                    "error/dup-sibling-puts",
                    TxnRequest.newBuilder()
                        .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(plainPut("b", "1")))))
                        .addSuccess(
                            op(TxnRequest.newBuilder().addFailure(op(plainPut("b", "2")))))),
                txnOp(
                    "error/dup-in-failure-branch-only",
                    TxnRequest.newBuilder()
                        .addSuccess(op(plainPut("c", "1")))
                        .addFailure(op(plainPut("c", "1")))
                        .addFailure(op(plainPut("c", "2"))))));
    s.add(
        () ->
            List.of(
                txnOp(
                    "txn/nested-then-else-same-key",
                    TxnRequest.newBuilder()
                        .addSuccess(
                            op(
                                TxnRequest.newBuilder()
                                    .addCompare(
                                        Compare.newBuilder()
                                            .setKey(bs("a"))
                                            .setTarget(Compare.CompareTarget.VERSION)
                                            .setResult(Compare.CompareResult.GREATER)
                                            .setVersion(0))
                                    .addSuccess(op(plainPut("c", "then")))
                                    .addFailure(op(plainPut("c", "else")))))),
                txnOp(
                    "txn/sibling-put-then-delete",
                    TxnRequest.newBuilder()
                        .addSuccess(
                            op(TxnRequest.newBuilder().addSuccess(op(plainPut("b\u0000", "1")))))
                        .addSuccess(
                            op(
                                TxnRequest.newBuilder()
                                    .addSuccess(op(del("b\u0000", "").setPrevKv(true)))))),
                txnOp(
                    "txn/delete-from-key-and-put",
                    TxnRequest.newBuilder()
                        .addSuccess(op(del("b", "\u0000").setPrevKv(true)))
                        .addSuccess(op(plainPut("c", "1").setPrevKv(true)))),
                txnOp(
                    "txn/delete-all-and-put",
                    TxnRequest.newBuilder()
                        .addSuccess(op(del("\u0000", "\u0000")))
                        .addSuccess(op(plainPut("a", "1")))
                        .addSuccess(op(get("\u0000").setRangeEnd(ZERO)))),
                single(Rpc.PUT, plainPut("b", "again").build(), "put/refill"),
                txnOp(
                    "txn/delete-inverted-range-and-put",
                    TxnRequest.newBuilder()
                        .addSuccess(op(del("c", "a")))
                        .addSuccess(op(plainPut("b", "1")))),
                txnOp(
                    "txn/overlapping-deletes",
                    TxnRequest.newBuilder()
                        .addSuccess(op(del("a", "c").setPrevKv(true)))
                        .addSuccess(op(del("b", "").setPrevKv(true)))
                        .addSuccess(op(del("\u0000", "\u0000").setPrevKv(true)))),
                txnOp(
                    "txn/put-then-read-own-write",
                    TxnRequest.newBuilder()
                        .addSuccess(op(plainPut("a", "own")))
                        .addSuccess(op(get("a").setRangeEnd(ZERO)))
                        .addSuccess(op(plainPut("a/1", "own").setPrevKv(true)))
                        .addSuccess(
                            op(get("a").setRangeEnd(bs("b")).setRevision(view.revision()))))));
    // Empty operations.
    s.add(
        () ->
            List.of(
                txnOp(
                    "error/empty-request-op",
                    TxnRequest.newBuilder().addSuccess(RequestOp.getDefaultInstance())),
                txnOp(
                    "error/empty-request-op-failure",
                    TxnRequest.newBuilder()
                        .addSuccess(op(get("a")))
                        .addFailure(RequestOp.getDefaultInstance())),
                txnOp(
                    "error/empty-request-op-nested",
                    TxnRequest.newBuilder()
                        .addSuccess(
                            op(
                                TxnRequest.newBuilder()
                                    .addFailure(RequestOp.getDefaultInstance()))))));
    // Size limits.
    s.add(
        () ->
            List.of(
                single(
                    Rpc.PUT,
                    plainPut("a", "").setValue(filler(MAX_REQUEST_BYTES + 1024, 'x')).build(),
                    "error/request-too-large-put"),
                txnOp(
                    "error/request-too-large-txn",
                    TxnRequest.newBuilder()
                        .addSuccess(
                            op(plainPut("a", "").setValue(filler(MAX_REQUEST_BYTES / 2, 'y'))))
                        .addSuccess(
                            op(
                                plainPut("b", "")
                                    .setValue(filler(MAX_REQUEST_BYTES / 2 + 512, 'z'))))),
                single(
                    Rpc.DELETE_RANGE,
                    del("a", "").setRangeEnd(filler(MAX_REQUEST_BYTES + 100, 'b')).build(),
                    "error/request-too-large-delete"),
                single(
                    Rpc.RANGE,
                    get("a").setRangeEnd(filler(MAX_REQUEST_BYTES + 1024, 'b')).build(),
                    "range/larger-than-request-limit"),
                txnOp(
                    "txn/read-only-larger-than-request-limit",
                    TxnRequest.newBuilder()
                        .addCompare(
                            Compare.newBuilder()
                                .setKey(bs("a"))
                                .setTarget(Compare.CompareTarget.VALUE)
                                .setResult(Compare.CompareResult.LESS)
                                .setValue(filler(MAX_REQUEST_BYTES + 1024, '\u00ff')))
                        .addSuccess(op(get("a")))),
                new KvOp(
                    Rpc.PUT,
                    plainPut("a", "").setValue(filler(GRPC_LIMIT_BYTES + 4096, 'x')).build(),
                    "grpc/message-too-large",
                    true),
                single(
                    Rpc.PUT,
                    plainPut("ab", "")
                        .setValue(filler(MAX_REQUEST_BYTES - 4096, 'w'))
                        .setPrevKv(true)
                        .build(),
                    "put/just-below-request-limit"),
                single(
                    Rpc.DELETE_RANGE,
                    del("ab", "").setPrevKv(true).build(),
                    "delete/large-value-with-prev-kv")));
    // Compaction.
    s.add(
        () ->
            List.of(
                compact(view.revision(), "compact/current"),
                single(
                    Rpc.RANGE,
                    get("\u0000").setRangeEnd(ZERO).setRevision(view.revision()).build(),
                    "range/at-compacted-revision"),
                single(
                    Rpc.RANGE,
                    get("\u0000").setRangeEnd(ZERO).setRevision(view.revision() - 1).build(),
                    "range/below-compacted-revision"),
                txnOp(
                    "error/txn-range-compacted",
                    TxnRequest.newBuilder()
                        .addSuccess(op(get("a").setRevision(view.revision() - 1)))),
                txnOp(
                    "error/txn-range-negative-after-compaction",
                    TxnRequest.newBuilder().addSuccess(op(get("a").setRevision(-1)))),
                single(
                    Rpc.RANGE, get("a").setRevision(-1).build(), "range/negative-after-compaction"),
                compact(view.revision(), "compact/same-again"),
                compact(view.revision() - 1, "compact/older-than-compacted"),
                compact(view.revision() + 1, "compact/future"),
                compact(-1, "compact/negative")));
    // Nested transactions: compares see the state before the transaction, reads see its writes.
    s.add(
        () ->
            List.of(
                txnOp(
                    "txn/nested-compare-sees-state-before-txn",
                    TxnRequest.newBuilder()
                        .addSuccess(op(plainPut("a", "new").setPrevKv(true)))
                        .addSuccess(
                            op(
                                TxnRequest.newBuilder()
                                    .addCompare(
                                        Compare.newBuilder()
                                            .setKey(bs("a"))
                                            .setTarget(Compare.CompareTarget.VALUE)
                                            .setValue(bs("new")))
                                    .addSuccess(op(plainPut("b", "saw-new")))
                                    .addFailure(op(plainPut("b", "saw-old")))
                                    .addFailure(op(get("a").setRangeEnd(bs("b"))))))),
                txnOp(
                    "txn/deep-nesting",
                    TxnRequest.newBuilder()
                        .addSuccess(
                            op(
                                TxnRequest.newBuilder()
                                    .addCompare(
                                        Compare.newBuilder()
                                            .setKey(bs("a"))
                                            .setTarget(Compare.CompareTarget.VERSION)
                                            .setResult(Compare.CompareResult.GREATER)
                                            .setVersion(0))
                                    .addSuccess(op(plainPut("a/1", "deep")))
                                    .addSuccess(
                                        op(
                                            TxnRequest.newBuilder()
                                                .addCompare(
                                                    Compare.newBuilder()
                                                        .setKey(bs("d"))
                                                        .setTarget(Compare.CompareTarget.VERSION)
                                                        .setResult(Compare.CompareResult.GREATER)
                                                        .setVersion(0))
                                                .addSuccess(op(plainPut("c", "deep")))
                                                .addFailure(op(get("\u0000").setRangeEnd(ZERO)))
                                                .addFailure(
                                                    op(
                                                        TxnRequest.newBuilder()
                                                            .addSuccess(
                                                                op(plainPut("\u007f", "deep")))))))
                                    .addFailure(op(plainPut("\u0080", "deep")))
                                    .addFailure(
                                        op(TxnRequest.newBuilder().addSuccess(op(del("b", "")))))))
                        .addSuccess(
                            op(
                                TxnRequest.newBuilder()
                                    .addCompare(
                                        Compare.newBuilder()
                                            .setKey(bs("d"))
                                            .setTarget(Compare.CompareTarget.VERSION)
                                            .setVersion(0))
                                    .addSuccess(op(get("a/").setRangeEnd(bs("a0"))))
                                    .addSuccess(op(plainPut("\u00ff", "then")))
                                    .addFailure(op(plainPut("\u00ff", "else")))))
                        .addSuccess(op(get("\u0000").setRangeEnd(ZERO).setKeysOnly(true))))));
    // Compare enums etcd does not know: an unknown target compares as equal, an unknown result
    // holds.
    s.add(
        () ->
            List.of(
                txnOp(
                    "compare/unknown-target",
                    TxnRequest.newBuilder()
                        .addCompare(
                            Compare.newBuilder().setKey(bs("a")).setTargetValue(9).setVersion(5))
                        .addSuccess(op(get("a")))
                        .addFailure(op(get("b")))),
                txnOp(
                    "compare/unknown-target-absent-key",
                    TxnRequest.newBuilder()
                        .addCompare(
                            Compare.newBuilder()
                                .setKey(bs("d"))
                                .setTargetValue(9)
                                .setResultValue(Compare.CompareResult.NOT_EQUAL_VALUE))
                        .addSuccess(op(get("a")))
                        .addFailure(op(get("b")))),
                txnOp(
                    "compare/unknown-result",
                    TxnRequest.newBuilder()
                        .addCompare(
                            Compare.newBuilder()
                                .setKey(bs("d"))
                                .setTarget(Compare.CompareTarget.MOD)
                                .setResultValue(7)
                                .setModRevision(1))
                        .addSuccess(op(get("a")))
                        .addFailure(op(get("b"))))));
    // Transactions that change nothing.
    s.add(
        () ->
            List.of(
                txnOp(
                    "txn/delete-nothing",
                    TxnRequest.newBuilder()
                        .addSuccess(op(del("d", "").setPrevKv(true)))
                        .addSuccess(op(del("c", "a")))),
                txnOp(
                    "txn/read-only",
                    TxnRequest.newBuilder()
                        .addCompare(
                            Compare.newBuilder()
                                .setKey(bs("a"))
                                .setTarget(Compare.CompareTarget.MOD)
                                .setResult(Compare.CompareResult.GREATER)
                                .setModRevision(0))
                        .addSuccess(op(get("a").setRangeEnd(ZERO).setSerializable(true)))
                        .addFailure(op(get("b")))),
                txnOp(
                    "txn/nested-read-only",
                    TxnRequest.newBuilder()
                        .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(get("a")))))
                        .addSuccess(op(get("b").setCountOnly(true)))),
                txnOp("txn/empty", TxnRequest.newBuilder()),
                txnOp(
                    "txn/untaken-write",
                    TxnRequest.newBuilder()
                        .addCompare(
                            Compare.newBuilder()
                                .setKey(bs("d"))
                                .setTarget(Compare.CompareTarget.CREATE)
                                .setResult(Compare.CompareResult.GREATER)
                                .setCreateRevision(0))
                        .addSuccess(op(plainPut("d", "never")))),
                single(Rpc.DELETE_RANGE, del("d", "").setPrevKv(true).build(), "delete/nothing"),
                single(Rpc.DELETE_RANGE, del("c", "a").build(), "delete/inverted-range")));
    // Every sort order and target over all keys, and ranges at every kind of revision.
    s.add(
        () -> {
          List<KvOp> ops = new ArrayList<>();
          for (RangeRequest.SortOrder o : ORDERS) {
            for (RangeRequest.SortTarget t : TARGETS) {
              RangeRequest.Builder b = range(new Span(ZERO, ZERO), false);
              sort(b, o, t);
              b.clearCountOnly();
              ops.add(new KvOp(Rpc.RANGE, b.build(), "range/sort"));
            }
          }
          return ops;
        });
    s.add(
        () -> {
          List<KvOp> ops = new ArrayList<>();
          for (RevKind k : RevKind.values()) {
            RangeRequest.Builder b = range(new Span(ZERO, ZERO), false);
            b.setRevision(readRevision(k));
            ops.add(new KvOp(Rpc.RANGE, b.build(), "range/revision-" + k));
          }
          return ops;
        });
    // Every compare target and result.
    s.add(
        () -> {
          List<KvOp> ops = new ArrayList<>();
          for (Compare.CompareTarget t : CMP_TARGETS) {
            for (Compare.CompareResult r : CMP_RESULTS) {
              TxnRequest.Builder b =
                  TxnRequest.newBuilder()
                      .addCompare(compare(t, r))
                      .addSuccess(op(get("\u0000").setRangeEnd(ZERO).setKeysOnly(true)))
                      .addFailure(op(get("d")));
              ops.add(new KvOp(Rpc.TXN, b.build(), "txn/compare"));
            }
          }
          return ops;
        });
    return s;
  }
}
