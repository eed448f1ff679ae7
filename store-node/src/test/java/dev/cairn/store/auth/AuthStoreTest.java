package dev.cairn.store.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.cairn.proto.authpb.Permission;
import dev.cairn.proto.authpb.UserAddOptions;
import dev.cairn.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleRevokePermissionRequest;
import dev.cairn.proto.etcdserverpb.AuthUserAddRequest;
import dev.cairn.proto.etcdserverpb.Compare;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.storage.Table;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class AuthStoreTest {
  /** The backend's auth tables, as the writes leave them. */
  private final Map<Table, Map<String, byte[]>> tables = new java.util.HashMap<>();

  private final AuthWrites w =
      new AuthWrites() {
        private void put(Table t, byte[] key, byte[] value) {
          tables
              .computeIfAbsent(t, x -> new TreeMap<>())
              .put(new String(key, StandardCharsets.UTF_8), value);
        }

        private void delete(Table t, byte[] key) {
          tables
              .computeIfAbsent(t, x -> new TreeMap<>())
              .remove(new String(key, StandardCharsets.UTF_8));
        }

        @Override
        public void putFlag(byte[] key, byte[] value) {
          put(Schema.AUTH, key, value);
        }

        @Override
        public void putUser(byte[] name, byte[] user) {
          put(Schema.AUTH_USERS, name, user);
        }

        @Override
        public void deleteUser(byte[] name) {
          delete(Schema.AUTH_USERS, name);
        }

        @Override
        public void putRole(byte[] name, byte[] role) {
          put(Schema.AUTH_ROLES, name, role);
        }

        @Override
        public void deleteRole(byte[] name) {
          delete(Schema.AUTH_ROLES, name);
        }
      };

  private final AuthStore store = newStore();

  private static AuthStore newStore() {
    return new AuthStore(new SimpleTokens(Duration.ofMinutes(5)), new Passwords(4));
  }

  private static void fails(StoreError e, ThrowingCallable c) {
    assertThatThrownBy(c)
        .isInstanceOfSatisfying(StoreException.class, x -> assertThat(x.error()).isEqualTo(e));
  }

  private void addUser(String name, String password) {
    store.userAdd(
        w,
        AuthUserAddRequest.newBuilder()
            .setName(name)
            .setHashedPassword(store.hashForLog(password))
            .build());
  }

  private void grant(String role, Permission.Type t, String key, String end) {
    store.roleGrantPermission(
        w,
        AuthRoleGrantPermissionRequest.newBuilder()
            .setName(role)
            .setPerm(
                Permission.newBuilder()
                    .setPermType(t)
                    .setKey(ByteString.copyFromUtf8(key))
                    .setRangeEnd(ByteString.copyFromUtf8(end)))
            .build());
  }

  /** root with the root role, alice reading foo, and auth enabled. */
  private void enabledWithAlice() {
    addUser("root", "rootpw");
    store.userGrantRole(w, "root", "root");
    store.roleAdd(w, "reader");
    grant("reader", Permission.Type.READ, "foo", "");
    addUser("alice", "alicepw");
    store.userGrantRole(w, "alice", "reader");
    store.enable(w);
  }

  private AuthInfo alice() {
    return new AuthInfo("alice", store.revision());
  }

  @Test
  void enablingNeedsARootUserWithTheRootRole() {
    assertThat(store.revision()).isEqualTo(1);
    fails(StoreError.ROOT_USER_NOT_EXIST, () -> store.enable(w));
    addUser("root", "pw");
    fails(StoreError.ROOT_ROLE_NOT_EXIST, () -> store.enable(w));
    store.userGrantRole(w, "root", "root");
    long before = store.revision();
    store.enable(w);
    assertThat(store.enabled()).isTrue();
    assertThat(store.revision()).as("enabling keeps the revision").isEqualTo(before);
    store.enable(w); // again: nothing happens
    store.disable(w);
    assertThat(store.enabled()).isFalse();
    assertThat(store.revision()).as("disabling moves it").isEqualTo(before + 1);
  }

  @Test
  void theRootUserAndRoleCannotBeTakenAwayWhileAuthIsEnabled() {
    enabledWithAlice();
    fails(StoreError.INVALID_AUTH_MGMT, () -> store.userDelete(w, "root"));
    fails(StoreError.INVALID_AUTH_MGMT, () -> store.userRevokeRole(w, "root", "root"));
    fails(StoreError.INVALID_AUTH_MGMT, () -> store.roleDelete(w, "root"));
  }

  @Test
  void badManagementRequestsGetEtcdsErrors() {
    fails(StoreError.USER_EMPTY, () -> addUser("", "pw"));
    fails(StoreError.ROLE_EMPTY, () -> store.roleAdd(w, ""));
    addUser("bob", "pw");
    fails(StoreError.USER_ALREADY_EXIST, () -> addUser("bob", "pw"));
    store.roleAdd(w, "r");
    fails(StoreError.ROLE_ALREADY_EXIST, () -> store.roleAdd(w, "r"));
    fails(StoreError.ROLE_NOT_FOUND, () -> store.userGrantRole(w, "bob", "missing"));
    fails(StoreError.USER_NOT_FOUND, () -> store.userGrantRole(w, "nobody", "r"));
    fails(StoreError.ROLE_NOT_GRANTED, () -> store.userRevokeRole(w, "bob", "r"));
    fails(StoreError.USER_NOT_FOUND, () -> store.userDelete(w, "nobody"));
    fails(StoreError.ROLE_NOT_FOUND, () -> store.roleDelete(w, "missing"));
    fails(
        StoreError.PERMISSION_NOT_GIVEN,
        () ->
            store.roleGrantPermission(
                w, AuthRoleGrantPermissionRequest.newBuilder().setName("r").build()));
    fails(StoreError.INVALID_AUTH_MGMT, () -> grant("r", Permission.Type.READ, "b", "a"));
    fails(StoreError.INVALID_AUTH_MGMT, () -> grant("r", Permission.Type.READ, "", ""));
    fails(StoreError.ROLE_NOT_FOUND, () -> grant("missing", Permission.Type.READ, "a", ""));
    fails(
        StoreError.PERMISSION_NOT_GRANTED,
        () ->
            store.roleRevokePermission(
                w,
                AuthRoleRevokePermissionRequest.newBuilder()
                    .setRole("r")
                    .setKey(ByteString.copyFromUtf8("a"))
                    .build()));
  }

  @Test
  void grantingARoleTwiceChangesNothingAndDeletingARoleTakesItFromItsUsers() {
    addUser("bob", "pw");
    store.roleAdd(w, "r");
    store.userGrantRole(w, "bob", "r");
    long rev = store.revision();
    store.userGrantRole(w, "bob", "r");
    assertThat(store.revision()).isEqualTo(rev);
    store.roleDelete(w, "r");
    assertThat(store.userGet("bob").getRolesList()).isEmpty();
    assertThat(store.roleList().getRolesList()).isEmpty();
  }

  @Test
  void passwordsAreCheckedAgainstTheirBcryptHash() {
    enabledWithAlice();
    assertThat(store.checkPassword("alice", "alicepw")).isEqualTo(store.revision());
    fails(StoreError.AUTH_FAILED, () -> store.checkPassword("alice", "wrong"));
    fails(StoreError.AUTH_FAILED, () -> store.checkPassword("nobody", "alicepw"));
    store.userAdd(
        w,
        AuthUserAddRequest.newBuilder()
            .setName("certonly")
            .setOptions(UserAddOptions.newBuilder().setNoPassword(true))
            .build());
    fails(StoreError.NO_PASSWORD_USER, () -> store.checkPassword("certonly", ""));
    fails(StoreError.AUTH_FAILED, () -> store.authenticate("certonly", "p", 1));
    String hash =
        new String(tables.get(Schema.AUTH_USERS).get("alice"), StandardCharsets.ISO_8859_1);
    assertThat(hash).contains("$2a$04$").doesNotContain("alicepw");
  }

  @Test
  void keyPermissionsFollowTheUsersRolesAndRootMayDoAnything() {
    enabledWithAlice();
    ByteString foo = ByteString.copyFromUtf8("foo");
    ByteString bar = ByteString.copyFromUtf8("bar");
    store.checkRange(alice(), foo, ByteString.EMPTY);
    fails(StoreError.PERMISSION_DENIED, () -> store.checkRange(alice(), bar, ByteString.EMPTY));
    fails(StoreError.PERMISSION_DENIED, () -> store.checkPut(alice(), foo));
    store.checkPut(new AuthInfo("root", store.revision()), bar);
    fails(StoreError.USER_EMPTY, () -> store.checkRange(null, foo, ByteString.EMPTY));
    fails(
        StoreError.USER_EMPTY, () -> store.checkRange(new AuthInfo("", 0), foo, ByteString.EMPTY));
    fails(StoreError.PERMISSION_DENIED, () -> store.checkAdmin(alice()));
    fails(StoreError.USER_NOT_FOUND, () -> store.checkAdmin(new AuthInfo("ghost", 5)));
    store.checkAdmin(new AuthInfo("root", 1));
  }

  @Test
  void aTxnNeedsReadOnEveryCompareAndRightsForEveryOperation() {
    enabledWithAlice();
    Compare onFoo = Compare.newBuilder().setKey(ByteString.copyFromUtf8("foo")).build();
    Compare onBar = Compare.newBuilder().setKey(ByteString.copyFromUtf8("bar")).build();
    RequestOp getFoo =
        RequestOp.newBuilder()
            .setRequestRange(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("foo")))
            .build();
    RequestOp putFoo =
        RequestOp.newBuilder()
            .setRequestPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("foo")))
            .build();
    AuthStore.LeaseKeys none = id -> List.of();
    store.checkTxn(
        alice(), TxnRequest.newBuilder().addCompare(onFoo).addSuccess(getFoo).build(), none);
    fails(
        StoreError.PERMISSION_DENIED,
        () ->
            store.checkTxn(
                alice(),
                TxnRequest.newBuilder().addCompare(onBar).addSuccess(getFoo).build(),
                none));
    fails(
        StoreError.PERMISSION_DENIED,
        () ->
            store.checkTxn(
                alice(),
                TxnRequest.newBuilder().addCompare(onFoo).addFailure(putFoo).build(),
                none));
  }

  @Test
  void aChangeOfTheAuthStoreOutdatesCredentialsCheckedBefore() {
    enabledWithAlice();
    AuthInfo before = alice();
    store.roleAdd(w, "other");
    fails(
        StoreError.AUTH_OLD_REVISION,
        () -> store.checkRange(before, ByteString.copyFromUtf8("foo"), ByteString.EMPTY));
    store.checkRange(alice(), ByteString.copyFromUtf8("foo"), ByteString.EMPTY);
  }

  @Test
  void whatIsWrittenLoadsBackIntoTheSameStore() {
    enabledWithAlice();
    AuthStore again = newStore();
    again.load(
        tables.getOrDefault(Schema.AUTH, Map.of()),
        tables.getOrDefault(Schema.AUTH_USERS, Map.of()),
        tables.getOrDefault(Schema.AUTH_ROLES, Map.of()));
    assertThat(again.enabled()).isTrue();
    assertThat(again.revision()).isEqualTo(store.revision());
    assertThat(again.userList()).isEqualTo(store.userList());
    assertThat(again.roleGet("reader")).isEqualTo(store.roleGet("reader"));
    assertThat(again.checkPassword("alice", "alicepw")).isEqualTo(store.revision());
    again.checkRange(alice(), ByteString.copyFromUtf8("foo"), ByteString.EMPTY);
  }
}
