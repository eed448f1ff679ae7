package dev.cairn.store.apply;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.proto.etcdserverpb.AlarmRequest;
import dev.cairn.proto.etcdserverpb.AlarmResponse;
import dev.cairn.proto.etcdserverpb.AlarmType;
import dev.cairn.proto.etcdserverpb.CompactionResponse;
import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.internal.InternalRaftRequest;
import dev.cairn.store.auth.AuthInfo;
import dev.cairn.store.auth.AuthStore;
import dev.cairn.store.lease.Lease;
import dev.cairn.store.lease.Lessor;
import dev.cairn.store.mvcc.MvccStore;
import dev.cairn.store.support.KeyRange;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies committed entries to the MVCC store: one backend transaction per batch, with the index of
 * the last entry written in the same transaction, so that replaying the log after a crash applies
 * each entry exactly once.
 *
 * <p>Threading: the apply thread only.
 */
public final class Applier {
  private static final Logger log = LoggerFactory.getLogger(Applier.class);

  private final MvccStore store;
  private final KvExecutor kv;
  private final Lessor lessor;
  private final Alarms alarms;
  private final AuthStore auth;
  private final AuthApplier authApplier;
  private final AuthStore.LeaseKeys leaseKeys;

  public Applier(MvccStore store, KvExecutor kv, Lessor lessor, Alarms alarms, AuthStore auth) {
    this.store = store;
    this.kv = kv;
    this.lessor = lessor;
    this.alarms = alarms;
    this.auth = auth;
    this.authApplier = new AuthApplier(auth);
    this.leaseKeys =
        id -> {
          Lease l = lessor.lookup(id);
          return l == null ? List.of() : l.keys();
        };
  }

  /** Applies the entries in order; returns the outcome of every request and the changes. */
  public ApplyResult apply(List<Committed> entries) {
    List<Applied> out = new ArrayList<>(entries.size());
    long applied = store.appliedIndex();
    Committed last = null;
    try (MvccStore.WriteBatch batch = store.beginBatch()) {
      for (Committed e : entries) {
        if (e.index() <= applied) {
          continue; // already in the store: a replay after restart
        }
        last = e;
        if (e.memberChange() != null) {
          Committed.MemberChange c = e.memberChange();
          if (c.description() == null) {
            batch.removeMember(c.memberId());
          } else {
            batch.saveMember(c.memberId(), c.description());
          }
          continue;
        }
        if (e.data().length == 0) {
          continue; // a new leader's empty entry
        }
        InternalRaftRequest req;
        try {
          req = InternalRaftRequest.parseFrom(e.data());
        } catch (InvalidProtocolBufferException ex) {
          log.error("skipping unreadable log entry at index {}", e.index());
          continue;
        }
        Object result;
        try {
          result = applyOne(batch, req, e.index());
        } catch (StoreException ex) {
          result = ex;
        }
        out.add(new Applied(req.getHeader().getId(), result));
      }
      if (last != null) {
        batch.commit(last.index(), last.term());
      }
      return new ApplyResult(out, batch.events());
    }
  }

  private static ResponseHeader header(long rev) {
    return ResponseHeader.newBuilder().setRevision(rev).build();
  }

  private Object applyOne(MvccStore.WriteBatch batch, InternalRaftRequest req, long index) {
    // Permissions are checked again here, in log order, as etcd's auth applier does: the user's
    // rights may have changed since the member that proposed the request looked.
    boolean byMember = req.getHeader().getByMember();
    AuthInfo caller =
        new AuthInfo(req.getHeader().getUsername(), req.getHeader().getAuthRevision());
    if (AuthApplier.handles(req)) {
      return authApplier.apply(batch, req, caller, index);
    }
    if (req.hasAlarm()) {
      return alarm(batch, req.getAlarm());
    }
    checkAlarms(req);
    if (req.hasCompaction()) {
      batch.compact(req.getCompaction().getRevision());
      return CompactionResponse.newBuilder().setHeader(header(batch.revision())).build();
    }
    if (req.hasLeaseGrant()) {
      LeaseGrantRequest g = req.getLeaseGrant();
      Lease l = lessor.grant(g.getID(), g.getTTL());
      batch.saveLease(l.id(), l.ttl());
      return LeaseGrantResponse.newBuilder()
          .setHeader(header(batch.revision()))
          .setID(l.id())
          .setTTL(l.ttl())
          .build();
    }
    if (req.hasLeaseRevoke()) {
      long id = req.getLeaseRevoke().getID();
      if (!byMember) {
        auth.checkLeaseWrites(caller, id, leaseKeys);
      }
      List<byte[]> keys = lessor.revoke(id);
      MvccStore.WriteBatch.Txn t = batch.beginTxn();
      for (byte[] k : keys) {
        t.deleteRange(KeyRange.of(k, null));
      }
      t.end();
      batch.removeLease(id);
      return LeaseRevokeResponse.newBuilder().setHeader(header(batch.revision())).build();
    }
    if (!byMember) {
      if (req.hasPut()) {
        auth.checkPut(caller, req.getPut(), leaseKeys);
      } else if (req.hasDeleteRange()) {
        auth.checkDelete(caller, req.getDeleteRange());
      } else if (req.hasTxn()) {
        auth.checkTxn(caller, req.getTxn(), leaseKeys);
      }
    }
    MvccStore.WriteBatch.Txn t = batch.beginTxn();
    try {
      if (req.hasPut()) {
        return kv.put(t, req.getPut());
      } else if (req.hasDeleteRange()) {
        return kv.deleteRange(t, req.getDeleteRange());
      } else if (req.hasTxn()) {
        return kv.txn(t, req.getTxn());
      }
      return new StoreException(StoreError.UNIMPLEMENTED);
    } finally {
      t.end();
    }
  }

  /**
   * Raises or clears an alarm. The response lists the alarm raised (also when it already was) or
   * the alarm cleared (nothing when it was not raised), as etcd's applier answers; the header is
   * left to the API edge. GET is served locally from {@link Alarms#get} and never proposed; one
   * found in the log is answered the same way.
   */
  private AlarmResponse alarm(MvccStore.WriteBatch batch, AlarmRequest r) {
    AlarmResponse.Builder resp = AlarmResponse.newBuilder();
    switch (r.getAction()) {
      case GET -> resp.addAllAlarms(alarms.get(r.getAlarm()));
      case ACTIVATE -> {
        if (r.getAlarm() != AlarmType.NONE) {
          resp.addAlarms(alarms.activate(batch, r.getMemberID(), r.getAlarmValue()));
        }
      }
      case DEACTIVATE -> {
        var cleared = alarms.deactivate(batch, r.getMemberID(), r.getAlarmValue());
        if (cleared != null) {
          resp.addAlarms(cleared);
        }
      }
      default -> {}
    }
    return resp.build();
  }

  /**
   * Refuses what the raised alarms forbid, whichever member raised them, as etcd's decorating
   * appliers do. CORRUPT (etcd's corrupt applier) refuses every key-space and lease request.
   * NOSPACE (etcd's capped applier) refuses what could grow the key space: Put, a Txn with a Put in
   * either branch at any depth, and LeaseGrant; ranges, deletes, compaction and lease revokes still
   * apply, so space can be reclaimed. Alarm requests are never refused.
   */
  private void checkAlarms(InternalRaftRequest req) {
    if (alarms.anyActive(AlarmType.CORRUPT)) {
      throw new StoreException(StoreError.CORRUPT);
    }
    if (alarms.anyActive(AlarmType.NOSPACE)
        && (req.hasPut() || req.hasLeaseGrant() || (req.hasTxn() && hasPut(req.getTxn())))) {
      throw new StoreException(StoreError.NO_SPACE);
    }
  }

  private static boolean hasPut(TxnRequest t) {
    return hasPut(t.getSuccessList()) || hasPut(t.getFailureList());
  }

  private static boolean hasPut(List<RequestOp> ops) {
    for (RequestOp op : ops) {
      if (op.hasRequestPut() || (op.hasRequestTxn() && hasPut(op.getRequestTxn()))) {
        return true;
      }
    }
    return false;
  }
}
