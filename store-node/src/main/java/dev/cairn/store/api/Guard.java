package dev.cairn.store.api;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.store.auth.AuthInfo;
import dev.cairn.store.auth.AuthStore;
import dev.cairn.store.server.RaftAuth;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;

/**
 * The permission checks a service makes before it serves a call, as etcd's API layer makes them;
 * writes are checked again when they apply. Every check passes while auth is disabled.
 */
final class Guard {
  /** Passes everything: for services served without an auth store. */
  static final Guard OPEN = new Guard(null);

  private final RaftAuth auth;

  Guard(RaftAuth auth) {
    this.auth = auth;
  }

  private boolean off() {
    return auth == null || !auth.access().enabled();
  }

  /** The calling user, or null when auth is disabled or the call names nobody. */
  AuthInfo caller() {
    return off() ? null : Callers.resolve(auth);
  }

  /** Read on a key or range. */
  AuthInfo range(ByteString key, ByteString rangeEnd) {
    AuthInfo c = caller();
    if (!off()) {
      auth.access().checkRange(c, key, rangeEnd);
    }
    return c;
  }

  /** Read on every compare and every operation's keys of a transaction. */
  AuthInfo txn(TxnRequest t) {
    AuthInfo c = caller();
    if (!off()) {
      auth.access().checkTxn(c, t, id -> java.util.List.of());
    }
    return c;
  }

  /** The root role. */
  AuthInfo admin() {
    AuthInfo c = caller();
    if (!off()) {
      auth.access().checkAdmin(c);
    }
    return c;
  }

  /**
   * The root role, for the maintenance calls whose refusal etcd leaves untranslated (Defragment,
   * Hash, HashKV, Snapshot, MoveLeader, Downgrade: v3rpc/maintenance.go isAuthenticated).
   *
   * @throws io.grpc.StatusRuntimeException Unknown with the auth store's error text
   */
  AuthInfo adminUntranslated() {
    try {
      return admin();
    } catch (StoreException e) {
      throw GrpcErrors.untranslated(e);
    }
  }

  /** Listing leases: read on every key of every lease, unless root. */
  void leaseLeases(java.util.Collection<Long> ids, AuthStore.LeaseKeys keys) {
    AuthInfo c = user();
    if (!off() && !auth.access().isAdmin(c)) {
      for (long id : ids) {
        auth.access().checkLeaseReads(c, id, keys);
      }
    }
  }

  /** Any authenticated user. */
  AuthInfo user() {
    AuthInfo c = caller();
    if (!off() && c == null) {
      throw new StoreException(StoreError.USER_EMPTY);
    }
    return c;
  }

  /** Keeping a lease alive: write on its keys, unless root. */
  void leaseRenew(long id, AuthStore.LeaseKeys keys) {
    AuthInfo c = user();
    if (!off()) {
      auth.access().checkLeaseWrites(c, id, keys);
    }
  }

  /** A lease's time to live: read on its keys, unless root. */
  void leaseTimeToLive(long id, AuthStore.LeaseKeys keys) {
    AuthInfo c = user();
    if (!off()) {
      auth.access().checkLeaseReads(c, id, keys);
    }
  }
}
