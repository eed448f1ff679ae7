package dev.cairn.store.apply;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.proto.etcdserverpb.CompactionResponse;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.internal.InternalRaftRequest;
import dev.cairn.store.mvcc.MvccStore;
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

  public Applier(MvccStore store, KvExecutor kv) {
    this.store = store;
    this.kv = kv;
  }

  /** Applies the entries in order and returns the outcome of every request among them. */
  public List<Applied> apply(List<Committed> entries) {
    List<Applied> out = new ArrayList<>(entries.size());
    long applied = store.appliedIndex();
    Committed last = null;
    try (MvccStore.WriteBatch batch = store.beginBatch()) {
      for (Committed e : entries) {
        if (e.index() <= applied) {
          continue; // already in the store: a replay after restart
        }
        last = e;
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
        out.add(new Applied(req.getId(), applyOne(batch, req)));
      }
      if (last != null) {
        batch.commit(last.index(), last.term());
      }
    }
    return out;
  }

  private Object applyOne(MvccStore.WriteBatch batch, InternalRaftRequest req) {
    if (req.getRequestCase() == InternalRaftRequest.RequestCase.COMPACTION) {
      try {
        batch.compact(req.getCompaction().getRevision());
      } catch (StoreException e) {
        return e;
      }
      MvccStore.WriteBatch.Txn t = batch.beginTxn();
      t.end();
      return CompactionResponse.newBuilder()
          .setHeader(ResponseHeader.newBuilder().setRevision(t.rev()))
          .build();
    }
    MvccStore.WriteBatch.Txn t = batch.beginTxn();
    try {
      return switch (req.getRequestCase()) {
        case PUT -> kv.put(t, req.getPut());
        case DELETE_RANGE -> kv.deleteRange(t, req.getDeleteRange());
        case TXN -> kv.txn(t, req.getTxn());
        default -> new StoreException(dev.cairn.store.support.StoreError.UNIMPLEMENTED);
      };
    } catch (StoreException e) {
      return e;
    } finally {
      t.end();
    }
  }
}
