package dev.cairn.store.server;

import com.google.protobuf.Message;
import dev.cairn.proto.etcdserverpb.AuthenticateRequest;
import dev.cairn.proto.etcdserverpb.AuthenticateResponse;
import dev.cairn.store.auth.AuthInfo;
import dev.cairn.store.auth.AuthStore;
import java.util.concurrent.CompletableFuture;

/** etcd's auth operations on a member; they all go through the log, as etcd's do. */
public interface RaftAuth {
  /** The member's auth store, for the permission checks made before a request is served. */
  AuthStore access();

  /**
   * Checks the password here, then makes every member learn the token through the log.
   *
   * @throws dev.cairn.store.support.StoreException in the future: AUTH_FAILED and the like
   */
  CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest r);

  /**
   * One of etcd's auth management requests ({@code AuthEnableRequest} ... {@code
   * AuthRoleRevokePermissionRequest}), answered with the matching response without header.
   * Passwords are hashed before they reach the log.
   */
  CompletableFuture<Message> manage(AuthInfo caller, Message request);

  /** Waits until this member has applied the entry at {@code index} (a simple token's origin). */
  CompletableFuture<Void> awaitApplied(long index);
}
