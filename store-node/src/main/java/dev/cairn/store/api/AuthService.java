package dev.cairn.store.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.cairn.proto.etcdserverpb.AuthDisableRequest;
import dev.cairn.proto.etcdserverpb.AuthDisableResponse;
import dev.cairn.proto.etcdserverpb.AuthEnableRequest;
import dev.cairn.proto.etcdserverpb.AuthEnableResponse;
import dev.cairn.proto.etcdserverpb.AuthGrpc;
import dev.cairn.proto.etcdserverpb.AuthRoleAddRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleAddResponse;
import dev.cairn.proto.etcdserverpb.AuthRoleDeleteRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleDeleteResponse;
import dev.cairn.proto.etcdserverpb.AuthRoleGetRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleGetResponse;
import dev.cairn.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleGrantPermissionResponse;
import dev.cairn.proto.etcdserverpb.AuthRoleListRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleListResponse;
import dev.cairn.proto.etcdserverpb.AuthRoleRevokePermissionRequest;
import dev.cairn.proto.etcdserverpb.AuthRoleRevokePermissionResponse;
import dev.cairn.proto.etcdserverpb.AuthStatusRequest;
import dev.cairn.proto.etcdserverpb.AuthStatusResponse;
import dev.cairn.proto.etcdserverpb.AuthUserAddRequest;
import dev.cairn.proto.etcdserverpb.AuthUserAddResponse;
import dev.cairn.proto.etcdserverpb.AuthUserChangePasswordRequest;
import dev.cairn.proto.etcdserverpb.AuthUserChangePasswordResponse;
import dev.cairn.proto.etcdserverpb.AuthUserDeleteRequest;
import dev.cairn.proto.etcdserverpb.AuthUserDeleteResponse;
import dev.cairn.proto.etcdserverpb.AuthUserGetRequest;
import dev.cairn.proto.etcdserverpb.AuthUserGetResponse;
import dev.cairn.proto.etcdserverpb.AuthUserGrantRoleRequest;
import dev.cairn.proto.etcdserverpb.AuthUserGrantRoleResponse;
import dev.cairn.proto.etcdserverpb.AuthUserListRequest;
import dev.cairn.proto.etcdserverpb.AuthUserListResponse;
import dev.cairn.proto.etcdserverpb.AuthUserRevokeRoleRequest;
import dev.cairn.proto.etcdserverpb.AuthUserRevokeRoleResponse;
import dev.cairn.proto.etcdserverpb.AuthenticateRequest;
import dev.cairn.proto.etcdserverpb.AuthenticateResponse;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.store.server.RaftAuth;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Auth service. Every request goes through the log, where the caller's root role is checked
 * as it applies; passwords are hashed (or checked) on this member and never reach the log.
 */
final class AuthService extends AuthGrpc.AuthImplBase {
  private final RaftAuth auth;
  private final Headers headers;

  AuthService(RaftAuth auth, Headers headers) {
    this.auth = auth;
    this.headers = headers;
  }

  @Override
  public void authenticate(AuthenticateRequest r, StreamObserver<AuthenticateResponse> out) {
    KvService.answer(out, () -> auth.authenticate(r), this::withHeader);
  }

  @Override
  public void authEnable(AuthEnableRequest r, StreamObserver<AuthEnableResponse> out) {
    manage(r, out, AuthEnableResponse.class);
  }

  @Override
  public void authDisable(AuthDisableRequest r, StreamObserver<AuthDisableResponse> out) {
    manage(r, out, AuthDisableResponse.class);
  }

  @Override
  public void authStatus(AuthStatusRequest r, StreamObserver<AuthStatusResponse> out) {
    manage(r, out, AuthStatusResponse.class);
  }

  @Override
  public void userAdd(AuthUserAddRequest r, StreamObserver<AuthUserAddResponse> out) {
    manage(r, out, AuthUserAddResponse.class);
  }

  @Override
  public void userGet(AuthUserGetRequest r, StreamObserver<AuthUserGetResponse> out) {
    manage(r, out, AuthUserGetResponse.class);
  }

  @Override
  public void userList(AuthUserListRequest r, StreamObserver<AuthUserListResponse> out) {
    manage(r, out, AuthUserListResponse.class);
  }

  @Override
  public void userDelete(AuthUserDeleteRequest r, StreamObserver<AuthUserDeleteResponse> out) {
    manage(r, out, AuthUserDeleteResponse.class);
  }

  @Override
  public void userChangePassword(
      AuthUserChangePasswordRequest r, StreamObserver<AuthUserChangePasswordResponse> out) {
    manage(r, out, AuthUserChangePasswordResponse.class);
  }

  @Override
  public void userGrantRole(
      AuthUserGrantRoleRequest r, StreamObserver<AuthUserGrantRoleResponse> out) {
    manage(r, out, AuthUserGrantRoleResponse.class);
  }

  @Override
  public void userRevokeRole(
      AuthUserRevokeRoleRequest r, StreamObserver<AuthUserRevokeRoleResponse> out) {
    manage(r, out, AuthUserRevokeRoleResponse.class);
  }

  @Override
  public void roleAdd(AuthRoleAddRequest r, StreamObserver<AuthRoleAddResponse> out) {
    manage(r, out, AuthRoleAddResponse.class);
  }

  @Override
  public void roleGet(AuthRoleGetRequest r, StreamObserver<AuthRoleGetResponse> out) {
    manage(r, out, AuthRoleGetResponse.class);
  }

  @Override
  public void roleList(AuthRoleListRequest r, StreamObserver<AuthRoleListResponse> out) {
    manage(r, out, AuthRoleListResponse.class);
  }

  @Override
  public void roleDelete(AuthRoleDeleteRequest r, StreamObserver<AuthRoleDeleteResponse> out) {
    manage(r, out, AuthRoleDeleteResponse.class);
  }

  @Override
  public void roleGrantPermission(
      AuthRoleGrantPermissionRequest r, StreamObserver<AuthRoleGrantPermissionResponse> out) {
    manage(r, out, AuthRoleGrantPermissionResponse.class);
  }

  @Override
  public void roleRevokePermission(
      AuthRoleRevokePermissionRequest r, StreamObserver<AuthRoleRevokePermissionResponse> out) {
    manage(r, out, AuthRoleRevokePermissionResponse.class);
  }

  private <T extends Message> void manage(Message r, StreamObserver<T> out, Class<T> type) {
    KvService.answer(
        out,
        () -> {
          CompletableFuture<Message> f = auth.manage(Callers.resolve(auth), r);
          return f.thenApply(type::cast);
        },
        this::withHeader);
  }

  /** The response with etcd's header: ids, term and the current revision. */
  private <T extends Message> T withHeader(T resp) {
    FieldDescriptor f = resp.getDescriptorForType().findFieldByName("header");
    @SuppressWarnings("unchecked")
    T filled =
        (T) resp.toBuilder().setField(f, headers.fill(ResponseHeader.getDefaultInstance())).build();
    return filled;
  }
}
