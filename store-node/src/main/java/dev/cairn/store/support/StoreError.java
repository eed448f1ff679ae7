package dev.cairn.store.support;

/**
 * Every failure a client can be told about. The wire code and message of each live in one table at
 * the API edge ({@code dev.cairn.store.api.GrpcErrors}); the core only names the failure.
 */
public enum StoreError {
  EMPTY_KEY,
  KEY_NOT_FOUND,
  VALUE_PROVIDED,
  LEASE_PROVIDED,
  TOO_MANY_OPS,
  DUPLICATE_KEY,
  INVALID_SORT_OPTION,
  COMPACTED,
  FUTURE_REVISION,
  NO_SPACE,
  LEASE_NOT_FOUND,
  LEASE_EXISTS,
  LEASE_TTL_TOO_LARGE,
  REQUEST_TOO_LARGE,
  TOO_MANY_REQUESTS,
  NO_LEADER,
  NOT_LEADER,
  LEADER_CHANGED,
  STOPPED,
  TIMEOUT,
  CORRUPT,
  CANCELED,
  DEADLINE_EXCEEDED,
  UNIMPLEMENTED
}
