package dev.cairn.store.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lessor on a fake monotonic clock: grants, renewals, expiry, attachments, revokes. */
class LessorTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MIN_TTL = 2;
  private static final long RETRY = 7 * SECOND;

  private long now = 1_000 * SECOND;
  private Lessor lessor;

  @BeforeEach
  void primaryLessor() {
    lessor = new Lessor(() -> now, MIN_TTL, RETRY);
    lessor.promote(0);
  }

  private void advance(long nanos) {
    now += nanos;
  }

  private static byte[] k(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> strings(List<byte[]> keys) {
    return keys.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  private static StoreError errorOf(Throwable t) {
    return ((StoreException) t).error();
  }

  // ---- grant ----

  @Test
  void grantRaisesATtlBelowTheMinimumToTheMinimum() {
    assertThat(lessor.grant(1, 1).ttl()).isEqualTo(MIN_TTL);
    assertThat(lessor.grant(2, 0).ttl()).isEqualTo(MIN_TTL);
    assertThat(lessor.grant(3, MIN_TTL).ttl()).isEqualTo(MIN_TTL);
    assertThat(lessor.grant(4, 60).ttl()).isEqualTo(60);
  }

  @Test
  void minimumTtlIsOneAndAHalfElectionTimeoutsRoundedUp() {
    assertThat(Lessor.minTtlFor(1000)).isEqualTo(2);
    assertThat(Lessor.minTtlFor(2000)).isEqualTo(3);
    assertThat(Lessor.minTtlFor(500)).isEqualTo(1);
    assertThat(Lessor.minTtlFor(5000)).isEqualTo(8);
  }

  @Test
  void grantAcceptsTheLargestTtlAndRejectsAnythingLarger() {
    assertThat(lessor.grant(1, Lessor.MAX_TTL).ttl()).isEqualTo(9_000_000_000L);
    assertThatThrownBy(() -> lessor.grant(2, 9_000_000_001L))
        .isInstanceOf(StoreException.class)
        .extracting(LessorTest::errorOf)
        .isEqualTo(StoreError.LEASE_TTL_TOO_LARGE);
    assertThat(lessor.exists(2)).isFalse();
  }

  @Test
  void grantRejectsAnIdInUseAndKeepsTheFirstLease() {
    lessor.grant(7, 10);
    assertThatThrownBy(() -> lessor.grant(7, 30))
        .isInstanceOf(StoreException.class)
        .extracting(LessorTest::errorOf)
        .isEqualTo(StoreError.LEASE_EXISTS);
    assertThat(lessor.lookup(7).ttl()).isEqualTo(10);
    assertThat(lessor.leases()).extracting(Lease::id).containsExactly(7L);
  }

  @Test
  void aGrantedLeaseOnThePrimaryExpiresItsTtlFromTheGrant() {
    lessor.grant(1, 10);
    assertThat(lessor.lookup(1).remainingSeconds(now)).isEqualTo(10);
    advance(10 * SECOND - 1);
    assertThat(lessor.expired(100)).isEmpty();
    assertThat(lessor.lookup(1).remainingSeconds(now)).isZero();
    advance(1);
    assertThat(lessor.expired(100)).containsExactly(1L);
  }

  // ---- renew ----

  @Test
  void renewResetsTheExpiryToTheFullTtlFromNow() {
    lessor.grant(1, 10);
    advance(8 * SECOND);
    assertThat(lessor.renew(1)).isEqualTo(10);
    assertThat(lessor.lookup(1).remainingSeconds(now)).isEqualTo(10);
    advance(9 * SECOND); // 17 s after the grant, 9 s after the renewal
    assertThat(lessor.expired(100)).isEmpty();
    advance(SECOND);
    assertThat(lessor.expired(100)).containsExactly(1L);
  }

  @Test
  void renewOfAnUnknownOrAnExpiredLeaseReportsMinusOne() {
    assertThat(lessor.renew(42)).isEqualTo(-1);
    lessor.grant(1, 5);
    advance(5 * SECOND);
    assertThat(lessor.renew(1)).isEqualTo(-1);
    // The expired lease is not brought back by the failed renewal.
    assertThat(lessor.expired(100)).containsExactly(1L);
  }

  // ---- expired ----

  @Test
  void anExpiredLeaseIsReportedOnceThenAgainOnlyAfterTheRetryInterval() {
    lessor.grant(1, 3);
    advance(3 * SECOND);
    assertThat(lessor.expired(100)).containsExactly(1L);
    assertThat(lessor.expired(100)).isEmpty();
    advance(RETRY - 1);
    assertThat(lessor.expired(100)).isEmpty();
    advance(1);
    assertThat(lessor.expired(100)).containsExactly(1L);
    assertThat(lessor.expired(100)).isEmpty();
  }

  @Test
  void expiredReportsAtMostTheLimitAndTheRestLater() {
    for (long id = 1; id <= 5; id++) {
      lessor.grant(id, 2);
    }
    advance(2 * SECOND);
    List<Long> first = lessor.expired(3);
    assertThat(first).hasSize(3);
    List<Long> second = lessor.expired(3);
    assertThat(second).hasSize(2).doesNotContainAnyElementsOf(first);
    assertThat(lessor.expired(3)).isEmpty();
  }

  @Test
  void revokedLeasesAreNotReportedExpired() {
    lessor.grant(1, 2);
    lessor.grant(2, 2);
    advance(2 * SECOND);
    lessor.revoke(1);
    assertThat(lessor.expired(100)).containsExactly(2L);
  }

  // ---- promote and demote ----

  @Test
  void promoteGivesEveryLeaseItsFullTtlPlusTheExtension() {
    Lessor follower = new Lessor(() -> now, MIN_TTL, RETRY);
    follower.grant(1, 5);
    follower.restore(2, 10);
    advance(60 * SECOND); // long past both TTLs, but nobody expires leases here
    assertThat(follower.expired(100)).isEmpty();

    follower.promote(SECOND);
    assertThat(follower.isPrimary()).isTrue();
    advance(6 * SECOND - 1); // 5 s TTL + 1 s extension, less a nanosecond
    assertThat(follower.expired(100)).isEmpty();
    advance(1);
    assertThat(follower.expired(100)).containsExactly(1L);
    advance(5 * SECOND - 1);
    assertThat(follower.expired(100)).isEmpty();
    advance(1);
    assertThat(follower.expired(100)).containsExactly(2L);
  }

  @Test
  void promoteExtendsLeasesThatWereAboutToExpire() {
    lessor.grant(1, 4);
    advance(4 * SECOND - 1);
    lessor.promote(2 * SECOND);
    advance(6 * SECOND - 1);
    assertThat(lessor.expired(100)).isEmpty();
    advance(1);
    assertThat(lessor.expired(100)).containsExactly(1L);
  }

  @Test
  void demoteMakesLeasesNeverExpireAndRenewLeavesThemSo() {
    lessor.grant(1, 2);
    lessor.demote();
    assertThat(lessor.isPrimary()).isFalse();
    advance(1_000_000 * SECOND);
    assertThat(lessor.expired(100)).isEmpty();
    assertThat(lessor.renew(1)).isEqualTo(2);
    lessor.grant(2, 2); // granted while not primary: no expiry either
    advance(1_000 * SECOND);
    assertThat(lessor.expired(100)).isEmpty();
    assertThat(lessor.lookup(1).remainingSeconds(now)).isGreaterThan(1_000_000_000L);
  }

  // ---- keys ----

  @Test
  void attachDetachAndLeaseOfTrackWhichLeaseHoldsAKey() {
    lessor.grant(1, 10);
    lessor.grant(2, 10);
    assertThat(lessor.leaseOf(k("a"))).isZero();

    lessor.attach(1, k("a"));
    lessor.attach(1, k("b"));
    lessor.attach(2, k("c"));
    assertThat(lessor.leaseOf(k("a"))).isEqualTo(1);
    assertThat(lessor.leaseOf(k("c"))).isEqualTo(2);
    assertThat(strings(lessor.lookup(1).keys())).containsExactly("a", "b");

    lessor.detach(1, k("a"));
    assertThat(lessor.leaseOf(k("a"))).isZero();
    assertThat(strings(lessor.lookup(1).keys())).containsExactly("b");

    // Moving a key, as a put with another lease does: detach from the old, attach to the new.
    lessor.detach(1, k("b"));
    lessor.attach(2, k("b"));
    assertThat(lessor.leaseOf(k("b"))).isEqualTo(2);
    assertThat(lessor.lookup(1).keys()).isEmpty();
    assertThat(strings(lessor.lookup(2).keys())).containsExactly("b", "c");
  }

  @Test
  void detachUnderTheWrongLeaseLeavesTheAttachmentAlone() {
    lessor.grant(1, 10);
    lessor.grant(2, 10);
    lessor.attach(1, k("a"));
    lessor.detach(2, k("a"));
    assertThat(lessor.leaseOf(k("a"))).isEqualTo(1);
    assertThat(strings(lessor.lookup(1).keys())).containsExactly("a");
  }

  @Test
  void attachToAnUnknownLeaseDoesNothing() {
    lessor.attach(99, k("a"));
    assertThat(lessor.leaseOf(k("a"))).isZero();
  }

  @Test
  void revokeReturnsTheKeysSortedAndForgetsTheLeaseAndItsKeys() {
    lessor.grant(1, 10);
    for (String s : List.of("m", "b", "z", "a", "ab", "\u00ff", "B")) {
      lessor.attach(1, k(s));
    }
    lessor.grant(2, 10);
    lessor.attach(2, k("other"));

    List<byte[]> keys = lessor.revoke(1);
    // Sorted bytewise (unsigned), as etcd deletes them.
    assertThat(strings(keys)).containsExactly("B", "a", "ab", "b", "m", "z", "\u00ff");
    assertThat(lessor.exists(1)).isFalse();
    assertThat(lessor.lookup(1)).isNull();
    assertThat(lessor.leaseOf(k("a"))).isZero();
    assertThat(lessor.leaseOf(k("other"))).isEqualTo(2);
    assertThat(lessor.renew(1)).isEqualTo(-1);
    assertThatThrownBy(() -> lessor.revoke(1))
        .isInstanceOf(StoreException.class)
        .extracting(LessorTest::errorOf)
        .isEqualTo(StoreError.LEASE_NOT_FOUND);
  }

  @Test
  void aRevokedIdCanBeGrantedAgainWithNoKeys() {
    lessor.grant(1, 10);
    lessor.attach(1, k("a"));
    lessor.revoke(1);
    Lease again = lessor.grant(1, 20);
    assertThat(again.ttl()).isEqualTo(20);
    assertThat(again.keys()).isEmpty();
  }
}
