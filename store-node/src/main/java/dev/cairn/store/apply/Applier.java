package dev.cairn.store.apply;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.proto.etcdserverpb.CompactionResponse;
import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.internal.InternalRaftRequest;
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

  public Applier(MvccStore store, KvExecutor kv, Lessor lessor) {
    this.store = store;
    this.kv = kv;
    this.lessor = lessor;
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
          result = applyOne(batch, req);
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

  private Object applyOne(MvccStore.WriteBatch batch, InternalRaftRequest req) {
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
      List<byte[]> keys = lessor.revoke(id);
      MvccStore.WriteBatch.Txn t = batch.beginTxn();
      for (byte[] k : keys) {
        t.deleteRange(KeyRange.of(k, null));
      }
      t.end();
      batch.removeLease(id);
      return LeaseRevokeResponse.newBuilder().setHeader(header(batch.revision())).build();
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
}
