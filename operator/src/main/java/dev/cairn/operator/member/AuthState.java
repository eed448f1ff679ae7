package dev.cairn.operator.member;

/** What the operator knows of a cluster's etcd authentication. */
public enum AuthState {
  /** Auth is on and the root password from the root Secret logs in. */
  ENABLED,
  /** Auth was off; the operator created root and turned it on just now. */
  ENABLED_NOW,
  /** Auth is off. */
  DISABLED,
  /** Auth is on, but the root Secret's password does not log in as root. */
  WRONG_PASSWORD,
  /** The cluster did not answer, or answered with something unexpected. */
  UNKNOWN;

  private static final String NOT_ENABLED = "authentication is not enabled";
  private static final String FAILED = "authentication failed";

  /** Tells auth's state from how a call logging in as root failed (etcd's messages). */
  public static AuthState fromFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message == null) {
        continue;
      }
      if (message.contains(NOT_ENABLED)) {
        return DISABLED;
      }
      if (message.contains(FAILED)) {
        return WRONG_PASSWORD;
      }
    }
    return UNKNOWN;
  }
}
