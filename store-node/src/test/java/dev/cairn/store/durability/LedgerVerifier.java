package dev.cairn.store.durability;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.ResponseOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.durability.Ledger.Effect;
import dev.cairn.store.durability.Ledger.KeyHistory;
import dev.cairn.store.durability.Ledger.Write;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Checks a member against the {@link Ledger} while no write is in flight:
 *
 * <ul>
 *   <li>the current revision is at least the highest acknowledged one;
 *   <li>every key holds exactly what its acknowledged writes say (value, mod, create revision and
 *       version), or, if a write to it failed, either that or the failed write's outcome, and each
 *       failed write took effect on all of its keys or on none; a failed write seen applied once
 *       stays applied; no key exists that no write made;
 *   <li>every acknowledged write is in the history: a read at its revision shows each key it put
 *       with the acknowledged value and mod revision, and each key it deleted absent;
 *   <li>acknowledged revisions: no two writes share one, each writer's increase in the order it
 *       issued them, and a write sent after another was acknowledged has a higher revision.
 * </ul>
 *
 * <p>Every discrepancy is collected, so that one failure shows the whole damage.
 */
final class LedgerVerifier {
  /** Ranges per read-only Txn; the member allows 128 operations. */
  private static final int BATCH = 100;

  private static final int MAX_REPORTED = 40;

  private final KVGrpc.KVBlockingStub kv;
  private final Ledger ledger;

  /** What one verification found. */
  record Result(
      long currentRevision,
      long maxAcknowledgedRevision,
      int acknowledgedWrites,
      int failedWrites,
      int failedButApplied,
      int keys,
      List<String> problems) {
    String summary() {
      return String.format(
          "revision %d (highest acknowledged %d), %d acknowledged writes, %d failed (%d of them"
              + " applied), %d keys, %d problems",
          currentRevision,
          maxAcknowledgedRevision,
          acknowledgedWrites,
          failedWrites,
          failedButApplied,
          keys,
          problems.size());
    }

    String problemReport() {
      StringBuilder b = new StringBuilder(summary()).append(':');
      problems.stream().limit(MAX_REPORTED).forEach(p -> b.append("\n  ").append(p));
      if (problems.size() > MAX_REPORTED) {
        b.append("\n  ... and ").append(problems.size() - MAX_REPORTED).append(" more");
      }
      return b.toString();
    }
  }

  LedgerVerifier(ManagedChannel channel, Ledger ledger) {
    this.kv = KVGrpc.newBlockingStub(channel).withWaitForReady();
    this.ledger = ledger;
  }

  private KVGrpc.KVBlockingStub stub() {
    return kv.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  Result verify() {
    List<String> problems = new ArrayList<>();
    List<Write> acked = ledger.acknowledgedWrites();
    List<Write> failed = ledger.failedWrites();
    long maxAcked = ledger.maxAcknowledgedRevision();

    RangeResponse all =
        stub()
            .range(
                RangeRequest.newBuilder()
                    .setKey(Writer.ROOT)
                    .setRangeEnd(Writer.prefixEnd(Writer.ROOT))
                    .build());
    long current = all.getHeader().getRevision();
    if (current < maxAcked) {
      problems.add(
          "current revision " + current + " is below the highest acknowledged " + maxAcked);
    }
    int applied = checkCurrentState(all, problems);
    checkHistory(acked, current, problems);
    checkRevisionOrder(acked, failed, problems);
    return new Result(
        current,
        maxAcked,
        acked.size(),
        failed.size(),
        applied,
        ledger.histories().size(),
        problems);
  }

  // ---- the current state of every key ----

  /** Returns how many failed writes are seen applied. */
  private int checkCurrentState(RangeResponse all, List<String> problems) {
    Map<ByteString, KeyValue> actual = new HashMap<>();
    for (KeyValue kv : all.getKvsList()) {
      actual.put(kv.getKey(), kv);
      if (ledger.history(kv.getKey()) == null) {
        problems.add(
            "key " + kv.getKey().toStringUtf8() + " exists but no write made it: " + describe(kv));
      }
    }
    // Per failed write, what each of its keys says about whether it happened.
    Map<Write, List<Boolean>> evidence = new IdentityHashMap<>();
    Map<Write, Long> appliedAt = new IdentityHashMap<>();
    for (KeyHistory h : ledger.histories()) {
      KeyValue kv = actual.get(h.key);
      Expected certain = Expected.from(h.acknowledged(), h.key);
      Write u = h.unresolved();
      if (u == null) {
        if (!certain.matchesExactly(kv)) {
          problems.add(
              "key "
                  + h.key.toStringUtf8()
                  + ": expected "
                  + certain
                  + " after "
                  + lastWrites(h)
                  + ", found "
                  + describe(kv));
        }
        continue;
      }
      Effect e = u.effectOn(h.key);
      long lastRev = certain.modRevision;
      boolean asBefore = certain.matches(kv);
      boolean asFailed =
          e.isDelete()
              ? kv == null
              : kv != null && kv.getValue().equals(e.value()) && kv.getModRevision() > lastRev;
      if (!asBefore && !asFailed) {
        problems.add(
            "key "
                + h.key.toStringUtf8()
                + ": expected "
                + certain
                + " (after "
                + lastWrites(h)
                + ") or the outcome of failed "
                + u
                + ", found "
                + describe(kv));
        continue;
      }
      if (asBefore != asFailed) {
        evidence.computeIfAbsent(u, w -> new ArrayList<>()).add(asFailed);
        if (asFailed && !e.isDelete()) {
          Long prev = appliedAt.put(u, kv.getModRevision());
          if (prev != null && prev != kv.getModRevision()) {
            problems.add(
                "failed " + u + " is applied at two revisions: " + prev + " and " + describe(kv));
          }
        }
      }
    }
    int applied = 0;
    for (Map.Entry<Write, List<Boolean>> en : evidence.entrySet()) {
      Write u = en.getKey();
      List<Boolean> seen = en.getValue();
      boolean allApplied = seen.stream().allMatch(b -> b);
      boolean none = seen.stream().noneMatch(b -> b);
      if (!allApplied && !none) {
        problems.add("failed " + u + " is applied on some of its keys only: " + seen);
        continue;
      }
      long at = appliedAt.getOrDefault(u, -1L);
      if (u.seenAppliedAt != 0 && (none || at != u.seenAppliedAt)) {
        problems.add(
            "failed "
                + u
                + " was seen applied at "
                + u.seenAppliedAt
                + " after an earlier restart, now "
                + (none ? "it is gone" : "at " + at));
      }
      if (allApplied) {
        u.seenAppliedAt = at;
        applied++;
      }
    }
    return applied;
  }

  private static String lastWrites(KeyHistory h) {
    List<Write> acked = h.acknowledged();
    List<Write> tail = acked.subList(Math.max(0, acked.size() - 3), acked.size());
    return tail.isEmpty() ? "no acknowledged write" : tail.toString();
  }

  /** A value short enough for a message; values are unique in their first 24 characters. */
  static String shorten(ByteString value) {
    String s = value.toStringUtf8();
    return s.length() <= 24 ? s : s.substring(0, 24) + "...";
  }

  private static String describe(KeyValue kv) {
    if (kv == null) {
      return "no key";
    }
    return String.format(
        "value %s, mod %d, create %d, version %d",
        shorten(kv.getValue()), kv.getModRevision(), kv.getCreateRevision(), kv.getVersion());
  }

  /** What a key holds after its acknowledged writes. */
  private record Expected(
      boolean exists, ByteString value, long modRevision, long createRevision, long version) {
    static Expected from(List<Write> acked, ByteString key) {
      boolean exists = false;
      ByteString value = null;
      long mod = 0;
      long create = 0;
      long version = 0;
      for (Write w : acked) {
        Effect e = w.effectOn(key);
        mod = w.revision;
        if (e.isDelete()) {
          exists = false;
          value = null;
          create = 0;
          version = 0;
        } else {
          if (!exists) {
            create = w.revision;
          }
          exists = true;
          value = e.value();
          version++;
        }
      }
      return new Expected(exists, value, mod, create, version);
    }

    boolean matches(KeyValue kv) {
      if (!exists) {
        return kv == null;
      }
      return kv != null && kv.getValue().equals(value) && kv.getModRevision() == modRevision;
    }

    boolean matchesExactly(KeyValue kv) {
      return matches(kv)
          && (kv == null
              || (kv.getCreateRevision() == createRevision && kv.getVersion() == version));
    }

    @Override
    public String toString() {
      if (!exists) {
        return "no key";
      }
      return String.format(
          "value %s, mod %d, create %d, version %d",
          shorten(value), modRevision, createRevision, version);
    }
  }

  // ---- the history: every acknowledged write at its revision ----

  private record Probe(Write write, Effect effect) {}

  private void checkHistory(List<Write> acked, long current, List<String> problems) {
    List<Probe> probes = new ArrayList<>();
    for (Write w : acked) {
      if (w.revision > current) {
        continue; // reported already: the revision is beyond the current one
      }
      for (Effect e : w.effects) {
        probes.add(new Probe(w, e));
      }
    }
    for (int from = 0; from < probes.size(); from += BATCH) {
      List<Probe> batch = probes.subList(from, Math.min(probes.size(), from + BATCH));
      TxnRequest.Builder t = TxnRequest.newBuilder();
      for (Probe p : batch) {
        t.addSuccess(
            RequestOp.newBuilder()
                .setRequestRange(
                    RangeRequest.newBuilder()
                        .setKey(p.effect().key())
                        .setRevision(p.write().revision)));
      }
      TxnResponse resp = stub().txn(t.build());
      for (int i = 0; i < batch.size(); i++) {
        Probe p = batch.get(i);
        ResponseOp r = resp.getResponses(i);
        List<KeyValue> kvs = r.getResponseRange().getKvsList();
        Effect e = p.effect();
        boolean ok =
            e.isDelete()
                ? kvs.isEmpty()
                : kvs.size() == 1
                    && kvs.get(0).getValue().equals(e.value())
                    && kvs.get(0).getModRevision() == p.write().revision;
        if (!ok) {
          problems.add(
              "at revision "
                  + p.write().revision
                  + " key "
                  + e.key().toStringUtf8()
                  + " should be "
                  + (e.isDelete() ? "absent" : shorten(e.value()))
                  + " (acknowledged "
                  + p.write()
                  + "), found "
                  + (kvs.isEmpty() ? "no key" : describe(kvs.get(0))));
        }
      }
    }
  }

  // ---- the order of revisions ----

  private static void checkRevisionOrder(
      List<Write> acked, List<Write> failed, List<String> problems) {
    Map<Long, Write> byRevision = new HashMap<>();
    for (Write w : acked) {
      if (w.revision <= 1) {
        problems.add("acknowledged " + w + " has revision " + w.revision);
      }
      Write other = byRevision.putIfAbsent(w.revision, w);
      if (other != null) {
        problems.add(
            "two acknowledged writes share revision " + w.revision + ": " + other + ", " + w);
      }
    }
    for (Write w : failed) {
      if (w.seenAppliedAt > 0 && byRevision.containsKey(w.seenAppliedAt)) {
        problems.add(
            "failed "
                + w
                + " is applied at revision "
                + w.seenAppliedAt
                + ", which "
                + byRevision.get(w.seenAppliedAt)
                + " was acknowledged at");
      }
    }

    Map<Integer, Write> lastOfWriter = new HashMap<>();
    List<Write> bySeq = new ArrayList<>(acked);
    bySeq.sort(Comparator.comparingLong(w -> w.seq));
    for (Write w : bySeq) {
      Write prev = lastOfWriter.put(w.writer, w);
      if (prev != null && prev.revision >= w.revision) {
        problems.add("writer " + w.writer + " was acknowledged " + prev + " then " + w);
      }
    }

    // Real time: a write sent after another was acknowledged must come later in the history.
    List<Write> byAck = new ArrayList<>(acked);
    byAck.sort(Comparator.comparingLong(w -> w.ackNanos));
    long[] ackTimes = new long[byAck.size()];
    Write[] maxSoFar = new Write[byAck.size()];
    for (int i = 0; i < byAck.size(); i++) {
      Write w = byAck.get(i);
      ackTimes[i] = w.ackNanos;
      maxSoFar[i] = i > 0 && maxSoFar[i - 1].revision > w.revision ? maxSoFar[i - 1] : w;
    }
    for (Write w : acked) {
      int n = Arrays.binarySearch(ackTimes, w.sentNanos);
      int before = n >= 0 ? n : -n - 2; // the last acknowledgement at or before the send
      while (before >= 0 && ackTimes[before] >= w.sentNanos) {
        before--;
      }
      if (before >= 0 && maxSoFar[before].revision >= w.revision) {
        problems.add(
            "acknowledged "
                + w
                + " was sent after "
                + maxSoFar[before]
                + " was acknowledged, with a revision not above it");
      }
    }
  }
}
