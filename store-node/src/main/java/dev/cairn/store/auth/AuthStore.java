package dev.cairn.store.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.proto.authpb.Permission;
import dev.cairn.proto.authpb.Role;
import dev.cairn.proto.authpb.User;
import dev.cairn.proto.authpb.UserAddOptions;
import dev.cairn.proto.etcdserverpb.AuthRoleGetResponse;
import dev.cairn.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleListResponse;
import dev.cairn.proto.etcdserverpb.AuthRoleRevokePermissionRequest;
import dev.cairn.proto.etcdserverpb.AuthStatusResponse;
import dev.cairn.proto.etcdserverpb.AuthUserAddRequest;
import dev.cairn.proto.etcdserverpb.AuthUserChangePasswordRequest;
import dev.cairn.proto.etcdserverpb.AuthUserGetResponse;
import dev.cairn.proto.etcdserverpb.AuthUserListResponse;
import dev.cairn.proto.etcdserverpb.Compare;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.support.Bytes;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * etcd's auth store: users, roles and their key permissions, whether auth is enabled, and the auth
 * revision that every change moves. Changes happen only on the apply thread, through committed log
 * entries, so every member holds the same store; checks read an immutable copy from any thread.
 */
public final class AuthStore {
  public static final String ROOT = "root";

  /** The keys a lease is attached to, for the checks of lease revoke and of puts with a lease. */
  @FunctionalInterface
  public interface LeaseKeys {
    Collection<byte[]> of(long leaseId);
  }

  private record State(
      boolean enabled,
      long revision,
      SortedMap<String, User> users,
      SortedMap<String, Role> roles,
      Map<String, KeyPermissions> permissions) {}

  private final TokenProvider tokens;
  private final Passwords passwords;
  private volatile State state =
      new State(false, 1, Collections.emptySortedMap(), Collections.emptySortedMap(), Map.of());

  public AuthStore(TokenProvider tokens, Passwords passwords) {
    this.tokens = tokens;
    this.passwords = passwords;
  }

  // ---- loading ----

  /**
   * Replaces the store with what the backend holds (at start, and after a snapshot is installed).
   *
   * @param meta the auth table; users and roles by name, encoded as etcd encodes them
   */
  public void load(Map<String, byte[]> meta, Map<String, byte[]> users, Map<String, byte[]> roles) {
    byte[] flag = meta.get(new String(Schema.AUTH_ENABLED, StandardCharsets.US_ASCII));
    byte[] rev = meta.get(new String(Schema.AUTH_REVISION, StandardCharsets.US_ASCII));
    SortedMap<String, User> u = new TreeMap<>();
    SortedMap<String, Role> r = new TreeMap<>();
    try {
      for (Map.Entry<String, byte[]> e : users.entrySet()) {
        u.put(e.getKey(), User.parseFrom(e.getValue()));
      }
      for (Map.Entry<String, byte[]> e : roles.entrySet()) {
        r.put(e.getKey(), Role.parseFrom(e.getValue()));
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("unreadable auth record: " + e.getMessage(), e);
    }
    boolean enabled = flag != null && flag.length == 1 && flag[0] == 1;
    // A store that never changed is at revision 1, as etcd's starts.
    long revision = rev == null ? 1 : Bytes.readLong(rev, 0);
    boolean wasEnabled = state.enabled();
    state = withPermissions(enabled, revision, u, r);
    if (enabled && !wasEnabled) {
      tokens.enable();
    } else if (!enabled && wasEnabled) {
      tokens.disable();
    }
  }

  private static State withPermissions(
      boolean enabled,
      long revision,
      SortedMap<String, User> users,
      SortedMap<String, Role> roles) {
    Map<String, KeyPermissions> perms = new HashMap<>();
    for (User user : users.values()) {
      List<Permission> all = new ArrayList<>();
      for (String role : user.getRolesList()) {
        Role r = roles.get(role);
        if (r != null) {
          all.addAll(r.getKeyPermissionList());
        }
      }
      perms.put(user.getName().toStringUtf8(), KeyPermissions.of(all));
    }
    return new State(
        enabled,
        revision,
        Collections.unmodifiableSortedMap(users),
        Collections.unmodifiableSortedMap(roles),
        Map.copyOf(perms));
  }

  // ---- reading ----

  public boolean enabled() {
    return state.enabled();
  }

  public long revision() {
    return state.revision();
  }

  public TokenProvider tokens() {
    return tokens;
  }

  /** Whether a user has a role; false for unknown users. */
  public boolean hasRole(String user, String role) {
    User u = state.users().get(user);
    return u != null && u.getRolesList().contains(role);
  }

  /**
   * Who a token names, or null when auth is disabled.
   *
   * @throws StoreException INVALID_AUTH_TOKEN for a token that is not (or no longer) valid
   */
  public AuthInfo fromToken(String token) {
    State s = state;
    if (!s.enabled()) {
      return null;
    }
    AuthInfo info = tokens.info(token, s.revision());
    if (info == null) {
      throw new StoreException(StoreError.INVALID_AUTH_TOKEN);
    }
    return info;
  }

  /** The user a verified client certificate names by its common name; null when auth is off. */
  public AuthInfo fromCommonName(String commonName) {
    State s = state;
    return s.enabled() && commonName != null && !commonName.isEmpty()
        ? new AuthInfo(commonName, s.revision())
        : null;
  }

  /**
   * Checks a user's password; the revision it was checked at.
   *
   * @throws StoreException AUTH_NOT_ENABLED, AUTH_FAILED or NO_PASSWORD_USER
   */
  public long checkPassword(String user, String password) {
    State s = state;
    if (!s.enabled()) {
      throw new StoreException(StoreError.AUTH_NOT_ENABLED);
    }
    User u = s.users().get(user);
    if (u != null && u.getOptions().getNoPassword()) {
      throw new StoreException(StoreError.NO_PASSWORD_USER);
    }
    byte[] hash = u == null ? null : u.getPassword().toByteArray();
    if (!passwords.matches(password, hash)) {
      throw new StoreException(StoreError.AUTH_FAILED);
    }
    return s.revision();
  }

  /** The bcrypt hash of a password, base64 encoded as etcd's hashed_password field carries it. */
  public String hashForLog(String password) {
    return Base64.getEncoder().encodeToString(passwords.hash(password));
  }

  public void checkRange(AuthInfo ai, ByteString key, ByteString rangeEnd) {
    checkOp(ai, key.toByteArray(), rangeEnd.toByteArray(), false);
  }

  public void checkPut(AuthInfo ai, ByteString key) {
    checkOp(ai, key.toByteArray(), new byte[0], true);
  }

  public void checkDelete(AuthInfo ai, ByteString key, ByteString rangeEnd) {
    checkOp(ai, key.toByteArray(), rangeEnd.toByteArray(), true);
  }

  private void checkOp(AuthInfo ai, byte[] key, byte[] rangeEnd, boolean write) {
    State s = state;
    if (!s.enabled()) {
      return;
    }
    if (ai == null || ai.revision() == 0) {
      throw new StoreException(StoreError.USER_EMPTY);
    }
    if (ai.revision() < s.revision()) {
      throw new StoreException(StoreError.AUTH_OLD_REVISION);
    }
    User u = s.users().get(ai.user());
    if (u == null) {
      throw new StoreException(StoreError.PERMISSION_DENIED);
    }
    if (u.getRolesList().contains(ROOT)) {
      return;
    }
    KeyPermissions p = s.permissions().get(ai.user());
    boolean ok = p != null && (write ? p.canWrite(key, rangeEnd) : p.canRead(key, rangeEnd));
    if (!ok) {
      throw new StoreException(StoreError.PERMISSION_DENIED);
    }
  }

  /** Requires the root role, as etcd's maintenance, membership and auth management RPCs do. */
  public void checkAdmin(AuthInfo ai) {
    State s = state;
    if (!s.enabled()) {
      return;
    }
    if (ai == null || ai.user().isEmpty()) {
      throw new StoreException(StoreError.USER_EMPTY);
    }
    User u = s.users().get(ai.user());
    if (u == null) {
      throw new StoreException(StoreError.USER_NOT_FOUND);
    }
    if (!u.getRolesList().contains(ROOT)) {
      throw new StoreException(StoreError.PERMISSION_DENIED);
    }
  }

  /** Whether the caller passes {@link #checkAdmin}. */
  public boolean isAdmin(AuthInfo ai) {
    try {
      checkAdmin(ai);
      return true;
    } catch (StoreException e) {
      return false;
    }
  }

  /** Requires some authenticated user, as Status and alarm listing do. */
  public void requireUser(AuthInfo ai) {
    if (state.enabled() && ai == null) {
      throw new StoreException(StoreError.USER_EMPTY);
    }
  }

  /** A put's checks: write on the key, write on the keys its lease holds, read for prev_kv. */
  public void checkPut(AuthInfo ai, dev.cairn.proto.etcdserverpb.PutRequest r, LeaseKeys leases) {
    checkPut(ai, r.getKey());
    checkLeaseWrites(ai, r.getLease(), leases);
    if (r.getPrevKv()) {
      checkRange(ai, r.getKey(), ByteString.EMPTY);
    }
  }

  /** A delete's checks: write on the range, and read on it for prev_kv. */
  public void checkDelete(AuthInfo ai, dev.cairn.proto.etcdserverpb.DeleteRangeRequest r) {
    checkDelete(ai, r.getKey(), r.getRangeEnd());
    if (r.getPrevKv()) {
      checkRange(ai, r.getKey(), r.getRangeEnd());
    }
  }

  /** Read on every compared key, and every operation of both branches, nested txns included. */
  public void checkTxn(AuthInfo ai, TxnRequest t, LeaseKeys leases) {
    if (!state.enabled()) {
      return;
    }
    for (Compare c : t.getCompareList()) {
      checkRange(ai, c.getKey(), c.getRangeEnd());
    }
    checkOps(ai, t.getSuccessList(), leases);
    checkOps(ai, t.getFailureList(), leases);
  }

  private void checkOps(AuthInfo ai, List<RequestOp> ops, LeaseKeys leases) {
    for (RequestOp op : ops) {
      switch (op.getRequestCase()) {
        case REQUEST_RANGE ->
            checkRange(ai, op.getRequestRange().getKey(), op.getRequestRange().getRangeEnd());
        case REQUEST_PUT -> checkPut(ai, op.getRequestPut(), leases);
        case REQUEST_DELETE_RANGE -> checkDelete(ai, op.getRequestDeleteRange());
        case REQUEST_TXN -> checkTxn(ai, op.getRequestTxn(), leases);
        default -> {}
      }
    }
  }

  /** Write on every key a lease holds, unless root: revoking or renewing it touches them all. */
  public void checkLeaseWrites(AuthInfo ai, long leaseId, LeaseKeys leases) {
    if (!state.enabled() || leaseId == 0 || isAdmin(ai)) {
      return;
    }
    for (byte[] k : leases.of(leaseId)) {
      checkPut(ai, ByteString.copyFrom(k));
    }
  }

  /** Read on every key a lease holds, unless root, for its time to live. */
  public void checkLeaseReads(AuthInfo ai, long leaseId, LeaseKeys leases) {
    if (!state.enabled()) {
      return;
    }
    if (ai == null) {
      throw new StoreException(StoreError.USER_EMPTY);
    }
    if (isAdmin(ai)) {
      return;
    }
    for (byte[] k : leases.of(leaseId)) {
      checkRange(ai, ByteString.copyFrom(k), ByteString.EMPTY);
    }
  }

  // ---- changes (apply thread) ----

  public void enable(AuthWrites w) {
    State s = state;
    if (s.enabled()) {
      return;
    }
    User root = s.users().get(ROOT);
    if (root == null) {
      throw new StoreException(StoreError.ROOT_USER_NOT_EXIST);
    }
    if (!root.getRolesList().contains(ROOT)) {
      throw new StoreException(StoreError.ROOT_ROLE_NOT_EXIST);
    }
    w.putFlag(Schema.AUTH_ENABLED, new byte[] {1});
    state = new State(true, s.revision(), s.users(), s.roles(), s.permissions());
    tokens.enable();
  }

  public void disable(AuthWrites w) {
    State s = state;
    if (!s.enabled()) {
      return;
    }
    w.putFlag(Schema.AUTH_ENABLED, new byte[] {0});
    long rev = commitRevision(w, s);
    state = new State(false, rev, s.users(), s.roles(), s.permissions());
    tokens.disable();
  }

  public AuthStatusResponse status() {
    State s = state;
    return AuthStatusResponse.newBuilder()
        .setEnabled(s.enabled())
        .setAuthRevision(s.revision())
        .build();
  }

  /** The token of a user whose password the proposing member checked. */
  public String authenticate(String user, String prefix, long index) {
    State s = state;
    if (!s.enabled()) {
      throw new StoreException(StoreError.AUTH_NOT_ENABLED);
    }
    User u = s.users().get(user);
    if (u == null || u.getOptions().getNoPassword()) {
      throw new StoreException(StoreError.AUTH_FAILED);
    }
    return tokens.assign(user, s.revision(), prefix, index);
  }

  public void userAdd(AuthWrites w, AuthUserAddRequest r) {
    State s = state;
    if (r.getName().isEmpty()) {
      throw new StoreException(StoreError.USER_EMPTY);
    }
    if (s.users().containsKey(r.getName())) {
      throw new StoreException(StoreError.USER_ALREADY_EXIST);
    }
    UserAddOptions options = r.getOptions();
    User.Builder u = User.newBuilder().setName(utf8(r.getName())).setOptions(options);
    if (!options.getNoPassword()) {
      u.setPassword(ByteString.copyFrom(password(r.getPassword(), r.getHashedPassword())));
    }
    SortedMap<String, User> users = new TreeMap<>(s.users());
    users.put(r.getName(), u.build());
    putUser(w, u.build());
    commit(w, s, s.enabled(), users, s.roles());
  }

  private byte[] password(String plain, String hashed) {
    if (!hashed.isEmpty()) {
      try {
        return Base64.getDecoder().decode(hashed);
      } catch (IllegalArgumentException e) {
        throw new StoreException(StoreError.NO_PASSWORD_USER);
      }
    }
    // Entries written without a hash (older etcd versions put the plain password in the log).
    return passwords.hash(plain);
  }

  public void userDelete(AuthWrites w, String name) {
    State s = state;
    if (s.enabled() && name.equals(ROOT)) {
      throw new StoreException(StoreError.INVALID_AUTH_MGMT);
    }
    if (!s.users().containsKey(name)) {
      throw new StoreException(StoreError.USER_NOT_FOUND);
    }
    SortedMap<String, User> users = new TreeMap<>(s.users());
    users.remove(name);
    w.deleteUser(name.getBytes(StandardCharsets.UTF_8));
    commit(w, s, s.enabled(), users, s.roles());
    tokens.invalidateUser(name);
  }

  public void userChangePassword(AuthWrites w, AuthUserChangePasswordRequest r) {
    State s = state;
    User old = s.users().get(r.getName());
    if (old == null) {
      throw new StoreException(StoreError.USER_NOT_FOUND);
    }
    User.Builder u = old.toBuilder();
    if (!old.getOptions().getNoPassword()) {
      u.setPassword(ByteString.copyFrom(password(r.getPassword(), r.getHashedPassword())));
    }
    replaceUser(w, s, u.build());
    tokens.invalidateUser(r.getName());
  }

  public void userGrantRole(AuthWrites w, String user, String role) {
    State s = state;
    User old = s.users().get(user);
    if (old == null) {
      throw new StoreException(StoreError.USER_NOT_FOUND);
    }
    if (!role.equals(ROOT) && !s.roles().containsKey(role)) {
      throw new StoreException(StoreError.ROLE_NOT_FOUND);
    }
    if (old.getRolesList().contains(role)) {
      return; // already granted: nothing changes, the revision stays
    }
    List<String> roles = new ArrayList<>(old.getRolesList());
    roles.add(role);
    Collections.sort(roles);
    replaceUser(w, s, old.toBuilder().clearRoles().addAllRoles(roles).build());
  }

  public void userRevokeRole(AuthWrites w, String user, String role) {
    State s = state;
    if (s.enabled() && user.equals(ROOT) && role.equals(ROOT)) {
      throw new StoreException(StoreError.INVALID_AUTH_MGMT);
    }
    User old = s.users().get(user);
    if (old == null) {
      throw new StoreException(StoreError.USER_NOT_FOUND);
    }
    List<String> roles = new ArrayList<>(old.getRolesList());
    if (!roles.remove(role)) {
      throw new StoreException(StoreError.ROLE_NOT_GRANTED);
    }
    replaceUser(w, s, old.toBuilder().clearRoles().addAllRoles(roles).build());
  }

  public AuthUserGetResponse userGet(String name) {
    User u = state.users().get(name);
    if (u == null) {
      throw new StoreException(StoreError.USER_NOT_FOUND);
    }
    return AuthUserGetResponse.newBuilder().addAllRoles(u.getRolesList()).build();
  }

  public AuthUserListResponse userList() {
    return AuthUserListResponse.newBuilder().addAllUsers(state.users().keySet()).build();
  }

  public void roleAdd(AuthWrites w, String name) {
    State s = state;
    if (name.isEmpty()) {
      throw new StoreException(StoreError.ROLE_EMPTY);
    }
    if (s.roles().containsKey(name)) {
      throw new StoreException(StoreError.ROLE_ALREADY_EXIST);
    }
    Role r = Role.newBuilder().setName(utf8(name)).build();
    SortedMap<String, Role> roles = new TreeMap<>(s.roles());
    roles.put(name, r);
    putRole(w, r);
    commit(w, s, s.enabled(), s.users(), roles);
  }

  public void roleDelete(AuthWrites w, String name) {
    State s = state;
    if (s.enabled() && name.equals(ROOT)) {
      throw new StoreException(StoreError.INVALID_AUTH_MGMT);
    }
    if (!s.roles().containsKey(name)) {
      throw new StoreException(StoreError.ROLE_NOT_FOUND);
    }
    SortedMap<String, Role> roles = new TreeMap<>(s.roles());
    roles.remove(name);
    w.deleteRole(name.getBytes(StandardCharsets.UTF_8));
    SortedMap<String, User> users = new TreeMap<>(s.users());
    for (User u : s.users().values()) {
      if (u.getRolesList().contains(name)) {
        List<String> kept = new ArrayList<>(u.getRolesList());
        kept.remove(name);
        User changed = u.toBuilder().clearRoles().addAllRoles(kept).build();
        users.put(u.getName().toStringUtf8(), changed);
        putUser(w, changed);
      }
    }
    commit(w, s, s.enabled(), users, roles);
  }

  public AuthRoleGetResponse roleGet(String name) {
    Role r = state.roles().get(name);
    if (r == null) {
      throw new StoreException(StoreError.ROLE_NOT_FOUND);
    }
    return AuthRoleGetResponse.newBuilder().addAllPerm(r.getKeyPermissionList()).build();
  }

  public AuthRoleListResponse roleList() {
    return AuthRoleListResponse.newBuilder().addAllRoles(state.roles().keySet()).build();
  }

  public void roleGrantPermission(AuthWrites w, AuthRoleGrantPermissionRequest r) {
    State s = state;
    if (!r.hasPerm()) {
      throw new StoreException(StoreError.PERMISSION_NOT_GIVEN);
    }
    Permission p = r.getPerm();
    if (!isValidRange(p.getKey().toByteArray(), p.getRangeEnd().toByteArray())) {
      throw new StoreException(StoreError.INVALID_AUTH_MGMT);
    }
    Role old = s.roles().get(r.getName());
    if (old == null) {
      throw new StoreException(StoreError.ROLE_NOT_FOUND);
    }
    List<Permission> perms = new ArrayList<>(old.getKeyPermissionList());
    int at = -1;
    for (int i = 0; i < perms.size(); i++) {
      if (perms.get(i).getKey().equals(p.getKey())
          && perms.get(i).getRangeEnd().equals(p.getRangeEnd())) {
        at = i;
      }
    }
    Permission clean =
        Permission.newBuilder()
            .setKey(p.getKey())
            .setRangeEnd(p.getRangeEnd())
            .setPermType(p.getPermType())
            .build();
    if (at >= 0) {
      perms.set(at, clean);
    } else {
      perms.add(clean);
      perms.sort(
          (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getKey(), b.getKey()));
    }
    replaceRole(w, s, old.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
  }

  public void roleRevokePermission(AuthWrites w, AuthRoleRevokePermissionRequest r) {
    State s = state;
    Role old = s.roles().get(r.getRole());
    if (old == null) {
      throw new StoreException(StoreError.ROLE_NOT_FOUND);
    }
    List<Permission> kept = new ArrayList<>();
    for (Permission p : old.getKeyPermissionList()) {
      if (!p.getKey().equals(r.getKey()) || !p.getRangeEnd().equals(r.getRangeEnd())) {
        kept.add(p);
      }
    }
    if (kept.size() == old.getKeyPermissionCount()) {
      throw new StoreException(StoreError.PERMISSION_NOT_GRANTED);
    }
    replaceRole(w, s, old.toBuilder().clearKeyPermission().addAllKeyPermission(kept).build());
  }

  /** etcd's rule: a key is given; an end is absent, after the key, or {@code \0} (from the key). */
  static boolean isValidRange(byte[] key, byte[] rangeEnd) {
    if (key.length == 0) {
      return false;
    }
    return rangeEnd.length == 0
        || KeyPermissions.isOpenEnded(rangeEnd)
        || java.util.Arrays.compareUnsigned(key, rangeEnd) < 0;
  }

  private void replaceUser(AuthWrites w, State s, User u) {
    SortedMap<String, User> users = new TreeMap<>(s.users());
    users.put(u.getName().toStringUtf8(), u);
    putUser(w, u);
    commit(w, s, s.enabled(), users, s.roles());
  }

  private void replaceRole(AuthWrites w, State s, Role r) {
    SortedMap<String, Role> roles = new TreeMap<>(s.roles());
    roles.put(r.getName().toStringUtf8(), r);
    putRole(w, r);
    commit(w, s, s.enabled(), s.users(), roles);
  }

  private void commit(
      AuthWrites w,
      State s,
      boolean enabled,
      SortedMap<String, User> users,
      SortedMap<String, Role> roles) {
    long rev = commitRevision(w, s);
    state = withPermissions(enabled, rev, users, roles);
  }

  private static long commitRevision(AuthWrites w, State s) {
    long rev = s.revision() + 1;
    w.putFlag(Schema.AUTH_REVISION, Bytes.longBytes(rev));
    return rev;
  }

  private static void putUser(AuthWrites w, User u) {
    w.putUser(u.getName().toByteArray(), u.toByteArray());
  }

  private static void putRole(AuthWrites w, Role r) {
    w.putRole(r.getName().toByteArray(), r.toByteArray());
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
