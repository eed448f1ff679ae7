package dev.cairn.store.api;

import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one table from failures to etcd's gRPC status codes and messages. Clients match on these
 * strings, so each is etcd's byte for byte.
 */
public final class GrpcErrors {
  private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);
  private static final Map<StoreError, Status> TABLE = new EnumMap<>(StoreError.class);

  private static void map(StoreError e, Status.Code code, String message) {
    TABLE.put(e, Status.fromCode(code).withDescription(message));
  }

  static {
    map(StoreError.EMPTY_KEY, Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
    map(StoreError.KEY_NOT_FOUND, Status.Code.INVALID_ARGUMENT, "etcdserver: key not found");
    map(StoreError.VALUE_PROVIDED, Status.Code.INVALID_ARGUMENT, "etcdserver: value is provided");
    map(StoreError.LEASE_PROVIDED, Status.Code.INVALID_ARGUMENT, "etcdserver: lease is provided");
    map(
        StoreError.TOO_MANY_OPS,
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: too many operations in txn request");
    map(
        StoreError.DUPLICATE_KEY,
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: duplicate key given in txn request");
    map(
        StoreError.INVALID_SORT_OPTION,
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: invalid sort option");
    map(
        StoreError.COMPACTED,
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision has been compacted");
    map(
        StoreError.FUTURE_REVISION,
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision is a future revision");
    map(
        StoreError.NO_SPACE,
        Status.Code.RESOURCE_EXHAUSTED,
        "etcdserver: mvcc: database space exceeded");
    map(StoreError.LEASE_NOT_FOUND, Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
    map(
        StoreError.LEASE_EXISTS,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: lease already exists");
    map(
        StoreError.LEASE_TTL_TOO_LARGE,
        Status.Code.OUT_OF_RANGE,
        "etcdserver: too large lease TTL");
    map(
        StoreError.REQUEST_TOO_LARGE,
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: request is too large");
    map(
        StoreError.TOO_MANY_REQUESTS,
        Status.Code.RESOURCE_EXHAUSTED,
        "etcdserver: too many requests");
    map(StoreError.NO_LEADER, Status.Code.UNAVAILABLE, "etcdserver: no leader");
    map(StoreError.NOT_LEADER, Status.Code.FAILED_PRECONDITION, "etcdserver: not leader");
    map(StoreError.LEADER_CHANGED, Status.Code.UNAVAILABLE, "etcdserver: leader changed");
    map(StoreError.STOPPED, Status.Code.UNAVAILABLE, "etcdserver: server stopped");
    map(StoreError.TIMEOUT, Status.Code.UNAVAILABLE, "etcdserver: request timed out");
    map(StoreError.CORRUPT, Status.Code.DATA_LOSS, "etcdserver: corrupt cluster");
    map(StoreError.CANCELED, Status.Code.CANCELLED, "etcdserver: request canceled");
    map(
        StoreError.DEADLINE_EXCEEDED,
        Status.Code.DEADLINE_EXCEEDED,
        "etcdserver: context deadline exceeded");
    map(StoreError.UNIMPLEMENTED, Status.Code.UNIMPLEMENTED, "etcdserver: not capable");
    map(StoreError.NOT_CAPABLE, Status.Code.FAILED_PRECONDITION, "etcdserver: not capable");
    map(
        StoreError.MEMBER_EXISTS,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: member ID already exist");
    map(
        StoreError.PEER_URL_EXISTS,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: Peer URLs already exists");
    map(
        StoreError.NOT_ENOUGH_STARTED_MEMBERS,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: re-configuration failed due to not enough started members");
    map(
        StoreError.BAD_MEMBER_URLS,
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: given member URLs are invalid");
    map(StoreError.MEMBER_NOT_FOUND, Status.Code.NOT_FOUND, "etcdserver: member not found");
    map(
        StoreError.MEMBER_NOT_LEARNER,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: can only promote a learner member");
    map(
        StoreError.LEARNER_NOT_READY,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: can only promote a learner member which is in sync with leader");
    map(
        StoreError.TOO_MANY_LEARNERS,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: too many learner members in cluster");
    map(
        StoreError.NOT_SUPPORTED_FOR_LEARNER,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: rpc not supported for learner");
    map(
        StoreError.BAD_LEADER_TRANSFEREE,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: bad leader transferee");
    map(StoreError.UNHEALTHY, Status.Code.UNAVAILABLE, "etcdserver: unhealthy cluster");
    map(
        StoreError.CLUSTER_ID_MISMATCH,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: cluster ID mismatch");
    map(
        StoreError.ROOT_USER_NOT_EXIST,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: root user does not exist");
    map(
        StoreError.ROOT_ROLE_NOT_EXIST,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: root user does not have root role");
    map(
        StoreError.USER_ALREADY_EXIST,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: user name already exists");
    map(StoreError.USER_EMPTY, Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
    map(
        StoreError.USER_NOT_FOUND,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: user name not found");
    map(
        StoreError.ROLE_ALREADY_EXIST,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: role name already exists");
    map(
        StoreError.ROLE_NOT_FOUND,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: role name not found");
    map(StoreError.ROLE_EMPTY, Status.Code.INVALID_ARGUMENT, "etcdserver: role name is empty");
    map(
        StoreError.AUTH_FAILED,
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: authentication failed, invalid user ID or password");
    // etcd has no gRPC error for this one and answers with its internal text.
    map(
        StoreError.NO_PASSWORD_USER,
        Status.Code.UNKNOWN,
        "auth: authentication failed, password was given for no password user");
    map(
        StoreError.PERMISSION_NOT_GIVEN,
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: permission not given");
    map(
        StoreError.PERMISSION_DENIED,
        Status.Code.PERMISSION_DENIED,
        "etcdserver: permission denied");
    map(
        StoreError.ROLE_NOT_GRANTED,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: role is not granted to the user");
    map(
        StoreError.PERMISSION_NOT_GRANTED,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: permission is not granted to the role");
    map(
        StoreError.AUTH_NOT_ENABLED,
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: authentication is not enabled");
    map(
        StoreError.INVALID_AUTH_TOKEN,
        Status.Code.UNAUTHENTICATED,
        "etcdserver: invalid auth token");
    map(
        StoreError.INVALID_AUTH_MGMT,
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: invalid auth management");
    map(
        StoreError.AUTH_OLD_REVISION,
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: revision of auth store is old");
    for (StoreError e : StoreError.values()) {
      if (!TABLE.containsKey(e)) {
        throw new ExceptionInInitializerError("no gRPC status for " + e);
      }
    }
  }

  private GrpcErrors() {}

  /** The status etcd answers for this failure. */
  public static Status status(StoreError e) {
    return TABLE.get(e);
  }

  /**
   * An auth failure as etcd's maintenance services return it: the auth store's own error, not
   * translated to a gRPC status, which gRPC-Go sends as Unknown with the error's text ("auth:
   * permission denied").
   */
  public static StatusRuntimeException untranslated(StoreException e) {
    String message = TABLE.get(e.error()).getDescription();
    return Status.UNKNOWN
        .withDescription("auth: " + message.substring("etcdserver: ".length()))
        .asRuntimeException();
  }

  /** Any failure as the exception to hand to gRPC; unknown failures become UNKNOWN. */
  public static StatusRuntimeException toGrpc(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof StoreException se) {
      return TABLE.get(se.error()).asRuntimeException();
    }
    if (t instanceof StatusRuntimeException sre) {
      return sre;
    }
    log.error("request failed unexpectedly", t);
    return Status.UNKNOWN.withDescription(String.valueOf(t.getMessage())).asRuntimeException();
  }
}
