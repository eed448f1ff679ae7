package dev.cairn.store.apply;

import dev.cairn.proto.etcdserverpb.AuthDisableResponse;
import dev.cairn.proto.etcdserverpb.AuthEnableResponse;
import dev.cairn.proto.etcdserverpb.AuthRoleAddResponse;
import dev.cairn.proto.etcdserverpb.AuthRoleDeleteResponse;
import dev.cairn.proto.etcdserverpb.AuthRoleGrantPermissionResponse;
import dev.cairn.proto.etcdserverpb.AuthRoleRevokePermissionResponse;
import dev.cairn.proto.etcdserverpb.AuthUserAddResponse;
import dev.cairn.proto.etcdserverpb.AuthUserChangePasswordResponse;
import dev.cairn.proto.etcdserverpb.AuthUserDeleteResponse;
import dev.cairn.proto.etcdserverpb.AuthUserGrantRoleResponse;
import dev.cairn.proto.etcdserverpb.AuthUserRevokeRoleResponse;
import dev.cairn.proto.etcdserverpb.AuthenticateResponse;
import dev.cairn.proto.internal.InternalRaftRequest;
import dev.cairn.store.auth.AuthInfo;
import dev.cairn.store.auth.AuthStore;
import dev.cairn.store.auth.AuthWrites;
import dev.cairn.store.mvcc.AuthRecords;
import dev.cairn.store.mvcc.MvccStore;

/**
 * Applies the auth management entries, with etcd's rule that all but Authenticate, UserGet and
 * RoleGet need the root role; a user may read its own user and the roles it has.
 */
final class AuthApplier {
  private final AuthStore auth;

  AuthApplier(AuthStore auth) {
    this.auth = auth;
  }

  static boolean handles(InternalRaftRequest r) {
    return r.hasAuthEnable()
        || r.hasAuthDisable()
        || r.hasAuthStatus()
        || r.hasAuthenticate()
        || r.hasAuthUserAdd()
        || r.hasAuthUserDelete()
        || r.hasAuthUserGet()
        || r.hasAuthUserChangePassword()
        || r.hasAuthUserGrantRole()
        || r.hasAuthUserRevokeRole()
        || r.hasAuthUserList()
        || r.hasAuthRoleList()
        || r.hasAuthRoleAdd()
        || r.hasAuthRoleDelete()
        || r.hasAuthRoleGet()
        || r.hasAuthRoleGrantPermission()
        || r.hasAuthRoleRevokePermission();
  }

  Object apply(MvccStore.WriteBatch batch, InternalRaftRequest r, AuthInfo caller, long index) {
    AuthRecords records = batch.authWrites();
    AuthWrites w =
        new AuthWrites() {
          @Override
          public void putFlag(byte[] key, byte[] value) {
            records.putFlag(key, value);
          }

          @Override
          public void putUser(byte[] name, byte[] user) {
            records.putUser(name, user);
          }

          @Override
          public void deleteUser(byte[] name) {
            records.deleteUser(name);
          }

          @Override
          public void putRole(byte[] name, byte[] role) {
            records.putRole(name, role);
          }

          @Override
          public void deleteRole(byte[] name) {
            records.deleteRole(name);
          }
        };
    if (r.hasAuthenticate()) {
      String token =
          auth.authenticate(
              r.getAuthenticate().getName(), r.getAuthenticate().getSimpleToken(), index);
      return AuthenticateResponse.newBuilder().setToken(token).build();
    }
    if (r.hasAuthUserGet()) {
      if (!r.getAuthUserGet().getName().equals(caller.user())) {
        auth.checkAdmin(caller);
      }
      return auth.userGet(r.getAuthUserGet().getName());
    }
    if (r.hasAuthRoleGet()) {
      if (!auth.hasRole(caller.user(), r.getAuthRoleGet().getRole())) {
        auth.checkAdmin(caller);
      }
      return auth.roleGet(r.getAuthRoleGet().getRole());
    }
    auth.checkAdmin(caller);
    if (r.hasAuthEnable()) {
      auth.enable(w);
      return AuthEnableResponse.getDefaultInstance();
    } else if (r.hasAuthDisable()) {
      auth.disable(w);
      return AuthDisableResponse.getDefaultInstance();
    } else if (r.hasAuthStatus()) {
      return auth.status();
    } else if (r.hasAuthUserAdd()) {
      auth.userAdd(w, r.getAuthUserAdd());
      return AuthUserAddResponse.getDefaultInstance();
    } else if (r.hasAuthUserDelete()) {
      auth.userDelete(w, r.getAuthUserDelete().getName());
      return AuthUserDeleteResponse.getDefaultInstance();
    } else if (r.hasAuthUserChangePassword()) {
      auth.userChangePassword(w, r.getAuthUserChangePassword());
      return AuthUserChangePasswordResponse.getDefaultInstance();
    } else if (r.hasAuthUserGrantRole()) {
      auth.userGrantRole(w, r.getAuthUserGrantRole().getUser(), r.getAuthUserGrantRole().getRole());
      return AuthUserGrantRoleResponse.getDefaultInstance();
    } else if (r.hasAuthUserRevokeRole()) {
      auth.userRevokeRole(
          w, r.getAuthUserRevokeRole().getName(), r.getAuthUserRevokeRole().getRole());
      return AuthUserRevokeRoleResponse.getDefaultInstance();
    } else if (r.hasAuthUserList()) {
      return auth.userList();
    } else if (r.hasAuthRoleList()) {
      return auth.roleList();
    } else if (r.hasAuthRoleAdd()) {
      auth.roleAdd(w, r.getAuthRoleAdd().getName());
      return AuthRoleAddResponse.getDefaultInstance();
    } else if (r.hasAuthRoleDelete()) {
      auth.roleDelete(w, r.getAuthRoleDelete().getRole());
      return AuthRoleDeleteResponse.getDefaultInstance();
    } else if (r.hasAuthRoleGrantPermission()) {
      auth.roleGrantPermission(w, r.getAuthRoleGrantPermission());
      return AuthRoleGrantPermissionResponse.getDefaultInstance();
    } else {
      auth.roleRevokePermission(w, r.getAuthRoleRevokePermission());
      return AuthRoleRevokePermissionResponse.getDefaultInstance();
    }
  }
}
