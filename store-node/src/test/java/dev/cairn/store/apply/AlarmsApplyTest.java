package dev.cairn.store.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.AlarmMember;
import dev.cairn.proto.etcdserverpb.AlarmRequest;
import dev.cairn.proto.etcdserverpb.AlarmResponse;
import dev.cairn.proto.etcdserverpb.AlarmType;
import dev.cairn.proto.etcdserverpb.CompactionRequest;
import dev.cairn.proto.etcdserverpb.CompactionResponse;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeResponse;
import dev.cairn.proto.etcdserverpb.LeaseGrantRequest;
import dev.cairn.proto.etcdserverpb.LeaseGrantResponse;
import dev.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import dev.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.PutResponse;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.etcdserverpb.TxnResponse;
import dev.cairn.proto.internal.InternalRaftRequest;
import dev.cairn.proto.internal.RequestHeader;
import dev.cairn.store.lease.Lessor;
import dev.cairn.store.mvcc.MvccStore;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.BackendConfig;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Alarms raised and cleared through the log, and what they refuse, on a real backend. */
class AlarmsApplyTest {
  private static final long M1 = 0x8e9e05c52164694dL;
  private static final long M2 = 0xfd422379fda50e48L;

  @TempDir Path dir;
  private Backend backend;
  private MvccStore store;
  private Lessor lessor;
  private Alarms alarms;
  private Applier applier;
  private long index;

  @BeforeEach
  void open() {
    openStore();
  }

  private void openStore() {
    backend = Backend.open(dir, BackendConfig.mvcc(), Schema.MVCC_TABLES);
    store = MvccStore.open(backend);
    lessor = new Lessor(System::nanoTime, 2, Duration.ofSeconds(7).toNanos());
    alarms = new Alarms(store.storedAlarms());
    applier =
        new Applier(
            store,
            new KvExecutor(lessor::exists),
            lessor,
            alarms,
            new dev.cairn.store.auth.AuthStore(
                new dev.cairn.store.auth.SimpleTokens(java.time.Duration.ofMinutes(5)),
                new dev.cairn.store.auth.Passwords(4)));
  }

  @AfterEach
  void close() {
    backend.close();
  }

  private void reopen() {
    backend.close();
    openStore();
  }

  /** Applies one request as one committed entry; returns its outcome. */
  private Object apply(InternalRaftRequest.Builder req) {
    long id = ++index;
    byte[] data = req.setHeader(RequestHeader.newBuilder().setId(id)).build().toByteArray();
    ApplyResult r = applier.apply(List.of(new Committed(id, 1, data)));
    assertThat(r.outcomes()).hasSize(1);
    assertThat(r.outcomes().get(0).requestId()).isEqualTo(id);
    return r.outcomes().get(0).result();
  }

  private AlarmResponse alarm(AlarmRequest.AlarmAction action, long member, AlarmType type) {
    Object o =
        apply(
            InternalRaftRequest.newBuilder()
                .setAlarm(
                    AlarmRequest.newBuilder()
                        .setAction(action)
                        .setMemberID(member)
                        .setAlarm(type)));
    assertThat(o).isInstanceOf(AlarmResponse.class);
    return (AlarmResponse) o;
  }

  private static AlarmMember member(long id, AlarmType type) {
    return AlarmMember.newBuilder().setMemberID(id).setAlarm(type).build();
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static InternalRaftRequest.Builder put(String k) {
    return InternalRaftRequest.newBuilder()
        .setPut(PutRequest.newBuilder().setKey(b(k)).setValue(b("v")));
  }

  private static InternalRaftRequest.Builder delete(String k) {
    return InternalRaftRequest.newBuilder()
        .setDeleteRange(DeleteRangeRequest.newBuilder().setKey(b(k)));
  }

  private static InternalRaftRequest.Builder txn(TxnRequest.Builder t) {
    return InternalRaftRequest.newBuilder().setTxn(t);
  }

  private static RequestOp putOp(String k) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(b(k)).setValue(b("v")))
        .build();
  }

  private static RequestOp deleteOp(String k) {
    return RequestOp.newBuilder()
        .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(b(k)))
        .build();
  }

  private static RequestOp rangeOp(String k) {
    return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(k))).build();
  }

  private static InternalRaftRequest.Builder grant(long id) {
    return InternalRaftRequest.newBuilder()
        .setLeaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(60));
  }

  private static InternalRaftRequest.Builder revoke(long id) {
    return InternalRaftRequest.newBuilder()
        .setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id));
  }

  private static void assertRefused(Object outcome, StoreError error) {
    assertThat(outcome).isInstanceOf(StoreException.class);
    assertThat(((StoreException) outcome).error()).isEqualTo(error);
  }

  @Test
  void activatingListsTheAlarmAndPersistsItWithTheEntry() {
    AlarmResponse resp = alarm(AlarmRequest.AlarmAction.ACTIVATE, M1, AlarmType.NOSPACE);

    assertThat(resp.getAlarmsList()).containsExactly(member(M1, AlarmType.NOSPACE));
    assertThat(resp.hasHeader()).isFalse();
    assertThat(alarms.list()).containsExactly(member(M1, AlarmType.NOSPACE));
    assertThat(alarms.isActive(M1, AlarmType.NOSPACE)).isTrue();
    assertThat(alarms.isActive(M2, AlarmType.NOSPACE)).isFalse();
    assertThat(alarms.isActive(M1, AlarmType.CORRUPT)).isFalse();
    assertThat(store.appliedIndex()).isEqualTo(index);

    reopen();
    assertThat(alarms.list()).containsExactly(member(M1, AlarmType.NOSPACE));
    assertThat(store.storedAlarms())
        .singleElement()
        .satisfies(a -> assertThat(a).containsExactly(M1, AlarmType.NOSPACE_VALUE));
  }

  @Test
  void activatingTwiceKeepsOneAlarmAndListsItBothTimes() {
    alarm(AlarmRequest.AlarmAction.ACTIVATE, M1, AlarmType.NOSPACE);
    AlarmResponse again = alarm(AlarmRequest.AlarmAction.ACTIVATE, M1, AlarmType.NOSPACE);

    assertThat(again.getAlarmsList()).containsExactly(member(M1, AlarmType.NOSPACE));
    assertThat(alarms.list()).hasSize(1);
    assertThat(store.storedAlarms()).hasSize(1);
  }

  @Test
  void activatingNoneRaisesNothing() {
    AlarmResponse resp = alarm(AlarmRequest.AlarmAction.ACTIVATE, M1, AlarmType.NONE);

    assertThat(resp.getAlarmsList()).isEmpty();
    assertThat(alarms.list()).isEmpty();
    assertThat(store.storedAlarms()).isEmpty();
  }

  @Test
  void deactivatingListsTheAlarmOnlyIfItWasRaised() {
    alarm(AlarmRequest.AlarmAction.ACTIVATE, M1, AlarmType.NOSPACE);
    alarm(AlarmRequest.AlarmAction.ACTIVATE, M2, AlarmType.NOSPACE);

    AlarmResponse cleared = alarm(AlarmRequest.AlarmAction.DEACTIVATE, M1, AlarmType.NOSPACE);
    AlarmResponse again = alarm(AlarmRequest.AlarmAction.DEACTIVATE, M1, AlarmType.NOSPACE);
    AlarmResponse otherType = alarm(AlarmRequest.AlarmAction.DEACTIVATE, M2, AlarmType.CORRUPT);

    assertThat(cleared.getAlarmsList()).containsExactly(member(M1, AlarmType.NOSPACE));
    assertThat(again.getAlarmsList()).isEmpty();
    assertThat(otherType.getAlarmsList()).isEmpty();
    assertThat(alarms.list()).containsExactly(member(M2, AlarmType.NOSPACE));
    reopen();
    assertThat(alarms.list()).containsExactly(member(M2, AlarmType.NOSPACE));
  }

  @Test
  void alarmsAreListedByTypeThenMemberAndFilteredByType() {
    alarm(AlarmRequest.AlarmAction.ACTIVATE, M2, AlarmType.CORRUPT);
    alarm(AlarmRequest.AlarmAction.ACTIVATE, M2, AlarmType.NOSPACE);
    alarm(AlarmRequest.AlarmAction.ACTIVATE, M1, AlarmType.NOSPACE);

    // M2's id is above 2^63: member ids order as unsigned numbers.
    assertThat(alarms.list())
        .containsExactly(
            member(M1, AlarmType.NOSPACE),
            member(M2, AlarmType.NOSPACE),
            member(M2, AlarmType.CORRUPT));
    assertThat(alarms.get(AlarmType.CORRUPT)).containsExactly(member(M2, AlarmType.CORRUPT));
    assertThat(alarms.get(AlarmType.NONE)).isEqualTo(alarms.list());
    assertThat(alarms.anyActive(AlarmType.CORRUPT)).isTrue();
  }

  @Test
  void noSpaceRefusesWhatCouldGrowTheKeySpaceAndAllowsTheRest() {
    apply(put("a"));
    apply(put("b"));
    apply(grant(7));
    alarm(AlarmRequest.AlarmAction.ACTIVATE, M2, AlarmType.NOSPACE);
    long rev = store.currentRevision();

    assertRefused(apply(put("c")), StoreError.NO_SPACE);
    assertRefused(apply(grant(8)), StoreError.NO_SPACE);
    assertRefused(apply(txn(TxnRequest.newBuilder().addSuccess(putOp("c")))), StoreError.NO_SPACE);
    // A put in the branch not taken still counts, as etcd costs both branches.
    assertRefused(apply(txn(TxnRequest.newBuilder().addFailure(putOp("c")))), StoreError.NO_SPACE);
    TxnRequest nested = TxnRequest.newBuilder().addSuccess(putOp("c")).build();
    assertRefused(
        apply(
            txn(
                TxnRequest.newBuilder()
                    .addSuccess(RequestOp.newBuilder().setRequestTxn(nested).build()))),
        StoreError.NO_SPACE);
    assertThat(store.currentRevision()).isEqualTo(rev);
    assertThat(lessor.exists(8)).isFalse();

    assertThat(apply(delete("a"))).isInstanceOf(DeleteRangeResponse.class);
    Object t =
        apply(txn(TxnRequest.newBuilder().addSuccess(deleteOp("b")).addSuccess(rangeOp("b"))));
    assertThat(t).isInstanceOf(TxnResponse.class);
    assertThat(((TxnResponse) t).getSucceeded()).isTrue();
    assertThat(
            apply(
                InternalRaftRequest.newBuilder()
                    .setCompaction(CompactionRequest.newBuilder().setRevision(rev))))
        .isInstanceOf(CompactionResponse.class);
    assertThat(apply(revoke(7))).isInstanceOf(LeaseRevokeResponse.class);
    assertThat(store.currentRevision()).isEqualTo(rev + 2);
    assertThat(store.appliedIndex()).isEqualTo(index);

    alarm(AlarmRequest.AlarmAction.DEACTIVATE, M2, AlarmType.NOSPACE);
    assertThat(apply(put("c"))).isInstanceOf(PutResponse.class);
    assertThat(apply(grant(8))).isInstanceOf(LeaseGrantResponse.class);
  }

  @Test
  void corruptRefusesEveryKeySpaceAndLeaseRequestButNotAlarms() {
    apply(put("a"));
    apply(grant(7));
    alarm(AlarmRequest.AlarmAction.ACTIVATE, M1, AlarmType.NOSPACE);
    alarm(AlarmRequest.AlarmAction.ACTIVATE, M2, AlarmType.CORRUPT);
    long rev = store.currentRevision();

    assertRefused(apply(put("b")), StoreError.CORRUPT);
    assertRefused(apply(delete("a")), StoreError.CORRUPT);
    assertRefused(apply(txn(TxnRequest.newBuilder().addSuccess(rangeOp("a")))), StoreError.CORRUPT);
    assertRefused(
        apply(
            InternalRaftRequest.newBuilder()
                .setCompaction(CompactionRequest.newBuilder().setRevision(rev))),
        StoreError.CORRUPT);
    assertRefused(apply(grant(8)), StoreError.CORRUPT);
    assertRefused(apply(revoke(7)), StoreError.CORRUPT);
    assertThat(lessor.exists(7)).isTrue();
    assertThat(store.currentRevision()).isEqualTo(rev);
    assertThat(store.appliedIndex()).isEqualTo(index);

    AlarmResponse cleared = alarm(AlarmRequest.AlarmAction.DEACTIVATE, M2, AlarmType.CORRUPT);
    assertThat(cleared.getAlarmsList()).containsExactly(member(M2, AlarmType.CORRUPT));
    assertRefused(apply(put("b")), StoreError.NO_SPACE);
    assertThat(apply(delete("a"))).isInstanceOf(DeleteRangeResponse.class);
  }

  @Test
  void reloadReplacesTheAlarmsByThoseOnDisk() {
    alarm(AlarmRequest.AlarmAction.ACTIVATE, M1, AlarmType.NOSPACE);
    Alarms other = new Alarms(List.of());
    assertThat(other.list()).isEmpty();

    other.reload(store.storedAlarms());
    assertThat(other.list()).containsExactly(member(M1, AlarmType.NOSPACE));
    other.reload(List.of());
    assertThat(other.list()).isEmpty();
  }
}
