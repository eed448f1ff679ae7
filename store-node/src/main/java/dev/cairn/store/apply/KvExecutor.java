package dev.cairn.store.apply;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.Compare;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeResponse;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.PutResponse;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.etcdserverpb.ResponseOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.mvcc.RangeOptions;
import dev.cairn.store.mvcc.RangeResult;
import dev.cairn.store.mvcc.ReadView;
import dev.cairn.store.mvcc.WriteView;
import dev.cairn.store.support.KeyRange;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * etcd's Range, Put, DeleteRange and Txn semantics over MVCC views. Used by the apply thread for
 * writes and by readers for ranges and read-only transactions.
 */
public final class KvExecutor {
  private final LeaseLookup leases;

  public KvExecutor(LeaseLookup leases) {
    this.leases = leases;
  }

  private static ResponseHeader header(long rev) {
    return ResponseHeader.newBuilder().setRevision(rev).build();
  }

  private static KeyRange range(ByteString key, ByteString end) {
    return KeyRange.of(key.toByteArray(), end.toByteArray());
  }

  // ---- Range ----

  public RangeResponse range(ReadView rv, RangeRequest r) {
    long limit = r.getLimit();
    boolean sortOrFilter =
        r.getSortOrder() != RangeRequest.SortOrder.NONE
            || r.getMinModRevision() != 0
            || r.getMaxModRevision() != 0
            || r.getMinCreateRevision() != 0
            || r.getMaxCreateRevision() != 0;
    if (sortOrFilter) {
      limit = 0;
    }
    if (limit > 0) {
      limit++; // one more than asked tells whether there is more
    }
    RangeResult rr =
        rv.range(
            range(r.getKey(), r.getRangeEnd()),
            new RangeOptions(limit, r.getRevision(), r.getCountOnly()));
    List<KeyValue> kvs = rr.kvs();
    if (r.getMaxModRevision() != 0
        || r.getMinModRevision() != 0
        || r.getMaxCreateRevision() != 0
        || r.getMinCreateRevision() != 0) {
      List<KeyValue> kept = new ArrayList<>(kvs.size());
      for (KeyValue kv : kvs) {
        if (r.getMaxModRevision() != 0 && kv.getModRevision() > r.getMaxModRevision()) continue;
        if (r.getMinModRevision() != 0 && kv.getModRevision() < r.getMinModRevision()) continue;
        if (r.getMaxCreateRevision() != 0 && kv.getCreateRevision() > r.getMaxCreateRevision())
          continue;
        if (r.getMinCreateRevision() != 0 && kv.getCreateRevision() < r.getMinCreateRevision())
          continue;
        kept.add(kv);
      }
      kvs = kept;
    }
    RangeRequest.SortOrder order = r.getSortOrder();
    RangeRequest.SortTarget target = r.getSortTarget();
    if (target != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
      order = RangeRequest.SortOrder.ASCEND;
    } else if (target == RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.ASCEND) {
      order = RangeRequest.SortOrder.NONE; // already in key order
    }
    if (order != RangeRequest.SortOrder.NONE) {
      Comparator<KeyValue> by = comparator(target);
      kvs = new ArrayList<>(kvs);
      kvs.sort(order == RangeRequest.SortOrder.DESCEND ? by.reversed() : by);
    }
    RangeResponse.Builder resp = RangeResponse.newBuilder();
    if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
      kvs = kvs.subList(0, (int) r.getLimit());
      resp.setMore(true);
    }
    for (KeyValue kv : kvs) {
      resp.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
    }
    return resp.setHeader(header(rr.rev())).setCount(rr.count()).build();
  }

  private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
    return switch (target) {
      case KEY ->
          (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getKey(), b.getKey());
      case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
      case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
      case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
      case VALUE ->
          (a, b) ->
              ByteString.unsignedLexicographicalComparator().compare(a.getValue(), b.getValue());
      case UNRECOGNIZED -> throw new StoreException(StoreError.INVALID_SORT_OPTION);
    };
  }

  // ---- Put and DeleteRange ----

  /** A whole Put request: checks its lease, then writes. */
  public PutResponse put(WriteView tw, PutRequest p) {
    if (p.getLease() != 0 && !leases.exists(p.getLease())) {
      throw new StoreException(StoreError.LEASE_NOT_FOUND);
    }
    return doPut(tw, p);
  }

  private PutResponse doPut(WriteView tw, PutRequest p) {
    ByteString value = p.getValue();
    long lease = p.getLease();
    KeyValue prev = null;
    if (p.getIgnoreValue() || p.getIgnoreLease() || p.getPrevKv()) {
      List<KeyValue> kvs =
          tw.range(KeyRange.of(p.getKey().toByteArray(), null), RangeOptions.ALL).kvs();
      prev = kvs.isEmpty() ? null : kvs.get(0);
    }
    if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev == null) {
      throw new StoreException(StoreError.KEY_NOT_FOUND);
    }
    if (p.getIgnoreValue()) {
      value = prev.getValue();
    }
    if (p.getIgnoreLease()) {
      lease = prev.getLease();
    }
    PutResponse.Builder resp = PutResponse.newBuilder();
    if (p.getPrevKv() && prev != null) {
      resp.setPrevKv(prev);
    }
    long rev = tw.put(p.getKey(), value, lease);
    return resp.setHeader(header(rev)).build();
  }

  public DeleteRangeResponse deleteRange(WriteView tw, DeleteRangeRequest d) {
    KeyRange kr = range(d.getKey(), d.getRangeEnd());
    DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder();
    if (d.getPrevKv()) {
      resp.addAllPrevKvs(tw.range(kr, RangeOptions.ALL).kvs());
    }
    long deleted = tw.deleteRange(kr);
    return resp.setDeleted(deleted).setHeader(header(tw.responseRevision())).build();
  }

  // ---- Txn ----

  /** Runs a transaction that only reads, against a read snapshot. */
  public TxnResponse readOnlyTxn(ReadView rv, TxnRequest t) {
    return txn(new ReadOnlyView(rv), t);
  }

  /** A read snapshot seen through the write interface; writing through it is a bug. */
  private record ReadOnlyView(ReadView rv) implements WriteView {
    @Override
    public long rev() {
      return rv.rev();
    }

    @Override
    public long firstRev() {
      return rv.firstRev();
    }

    @Override
    public RangeResult range(KeyRange range, RangeOptions options) {
      return rv.range(range, options);
    }

    @Override
    public long put(ByteString key, ByteString value, long lease) {
      throw new IllegalStateException("write in a read-only transaction");
    }

    @Override
    public long deleteRange(KeyRange range) {
      throw new IllegalStateException("write in a read-only transaction");
    }

    @Override
    public long responseRevision() {
      return rv.rev();
    }

    @Override
    public boolean changed() {
      return false;
    }
  }

  /** Whether the transaction only reads. */
  public static boolean isReadOnly(TxnRequest t) {
    for (RequestOp op : t.getSuccessList()) {
      if (!op.hasRequestRange()) return false;
    }
    for (RequestOp op : t.getFailureList()) {
      if (!op.hasRequestRange()) return false;
    }
    return true;
  }

  /** Whether every operation is a serializable range. */
  public static boolean isSerializable(TxnRequest t) {
    for (RequestOp op : t.getSuccessList()) {
      if (!op.hasRequestRange() || !op.getRequestRange().getSerializable()) return false;
    }
    for (RequestOp op : t.getFailureList()) {
      if (!op.hasRequestRange() || !op.getRequestRange().getSerializable()) return false;
    }
    return true;
  }

  /**
   * Runs a transaction: every compare (nested ones too) is evaluated against the state before any
   * of its writes, then the chosen branches are checked, then executed in order.
   */
  public TxnResponse txn(WriteView tw, TxnRequest t) {
    List<Boolean> path = new ArrayList<>();
    compareToPath(tw, t, path);
    // etcd checks every put on the chosen path before any range, so a bad put wins.
    check(tw, t, path, new int[] {0}, RequestOp.RequestCase.REQUEST_PUT);
    check(tw, t, path, new int[] {0}, RequestOp.RequestCase.REQUEST_RANGE);
    TxnResponse.Builder resp = execute(tw, t, path, new int[] {0});
    return resp.setHeader(header(tw.responseRevision())).build();
  }

  private void compareToPath(ReadView rv, TxnRequest t, List<Boolean> path) {
    boolean ok = compares(rv, t.getCompareList());
    path.add(ok);
    for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
      if (op.hasRequestTxn()) {
        compareToPath(rv, op.getRequestTxn(), path);
      }
    }
  }

  /** Checks the operations of one kind on the chosen path, in order, nested ones included. */
  private void check(
      ReadView rv, TxnRequest t, List<Boolean> path, int[] at, RequestOp.RequestCase kind) {
    boolean ok = path.get(at[0]++);
    for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
      if (op.hasRequestTxn()) {
        check(rv, op.getRequestTxn(), path, at, kind);
      } else if (op.getRequestCase() == kind) {
        switch (kind) {
          case REQUEST_RANGE -> checkRange(rv, op.getRequestRange());
          case REQUEST_PUT -> checkPut(rv, op.getRequestPut());
          default -> {}
        }
      }
    }
  }

  private static void checkRange(ReadView rv, RangeRequest r) {
    if (r.getRevision() == 0) {
      return;
    }
    if (r.getRevision() > rv.rev()) {
      throw new StoreException(StoreError.FUTURE_REVISION);
    }
    if (r.getRevision() < rv.firstRev()) {
      throw new StoreException(StoreError.COMPACTED);
    }
  }

  private void checkPut(ReadView rv, PutRequest p) {
    if (p.getIgnoreValue() || p.getIgnoreLease()) {
      if (rv.range(KeyRange.of(p.getKey().toByteArray(), null), RangeOptions.ALL).kvs().isEmpty()) {
        throw new StoreException(StoreError.KEY_NOT_FOUND);
      }
    }
    if (p.getLease() != 0 && !leases.exists(p.getLease())) {
      throw new StoreException(StoreError.LEASE_NOT_FOUND);
    }
  }

  private TxnResponse.Builder execute(WriteView tw, TxnRequest t, List<Boolean> path, int[] at) {
    boolean ok = path.get(at[0]++);
    TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(ok);
    for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
      ResponseOp.Builder r = ResponseOp.newBuilder();
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> r.setResponseRange(range(tw, op.getRequestRange()));
        case REQUEST_PUT -> r.setResponsePut(doPut(tw, op.getRequestPut()));
        case REQUEST_DELETE_RANGE ->
            r.setResponseDeleteRange(deleteRange(tw, op.getRequestDeleteRange()));
        case REQUEST_TXN -> {
          TxnResponse.Builder nested = execute(tw, op.getRequestTxn(), path, at);
          r.setResponseTxn(nested.setHeader(ResponseHeader.getDefaultInstance()));
        }
        default -> {}
      }
      resp.addResponses(r);
    }
    return resp;
  }

  private static boolean compares(ReadView rv, List<Compare> cmps) {
    for (Compare c : cmps) {
      if (!compare(rv, c)) {
        return false;
      }
    }
    return true;
  }

  private static boolean compare(ReadView rv, Compare c) {
    List<KeyValue> kvs;
    try {
      kvs = rv.range(range(c.getKey(), c.getRangeEnd()), RangeOptions.ALL).kvs();
    } catch (StoreException e) {
      return false;
    }
    if (kvs.isEmpty()) {
      if (c.getTarget() == Compare.CompareTarget.VALUE) {
        return false;
      }
      return compareKv(c, KeyValue.getDefaultInstance());
    }
    for (KeyValue kv : kvs) {
      if (!compareKv(c, kv)) {
        return false;
      }
    }
    return true;
  }

  private static boolean compareKv(Compare c, KeyValue kv) {
    int result =
        switch (c.getTarget()) {
          case VALUE ->
              ByteString.unsignedLexicographicalComparator()
                  .compare(
                      kv.getValue(),
                      c.getTargetUnionCase() == Compare.TargetUnionCase.VALUE
                          ? c.getValue()
                          : ByteString.EMPTY);
          case CREATE ->
              Long.compare(
                  kv.getCreateRevision(),
                  c.getTargetUnionCase() == Compare.TargetUnionCase.CREATE_REVISION
                      ? c.getCreateRevision()
                      : 0);
          case MOD ->
              Long.compare(
                  kv.getModRevision(),
                  c.getTargetUnionCase() == Compare.TargetUnionCase.MOD_REVISION
                      ? c.getModRevision()
                      : 0);
          case VERSION ->
              Long.compare(
                  kv.getVersion(),
                  c.getTargetUnionCase() == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0);
          case LEASE ->
              Long.compare(
                  kv.getLease(),
                  c.getTargetUnionCase() == Compare.TargetUnionCase.LEASE ? c.getLease() : 0);
          case UNRECOGNIZED -> 0;
        };
    return switch (c.getResult()) {
      case EQUAL -> result == 0;
      case NOT_EQUAL -> result != 0;
      case GREATER -> result > 0;
      case LESS -> result < 0;
      case UNRECOGNIZED -> true;
    };
  }
}
