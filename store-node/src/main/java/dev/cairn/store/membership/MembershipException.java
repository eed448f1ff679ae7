package dev.cairn.store.membership;

/**
 * A cluster description or data dir that this member cannot start with; shown to the user as is.
 */
public final class MembershipException extends RuntimeException {
  public MembershipException(String message) {
    super(message, null, false, false);
  }
}
