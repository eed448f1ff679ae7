package dev.cairn.store.auth;

/**
 * Issues and reads the tokens clients present after Authenticate ({@code --auth-token}).
 *
 * <p>Threading: {@link #assign}, {@link #invalidateUser}, {@link #enable} and {@link #disable} run
 * on the apply thread; {@link #info} and {@link #newPrefix} on request threads.
 */
public interface TokenProvider {
  /** A fresh random part for a simple token, made by the member that proposes Authenticate. */
  String newPrefix();

  /**
   * The token of a user whose Authenticate entry is applied at {@code index}.
   *
   * @param prefix what {@link #newPrefix} made on the proposing member
   */
  String assign(String user, long revision, String prefix, long index);

  /** Who the token names, or null when it is malformed, forged, expired or revoked. */
  AuthInfo info(String token, long currentRevision);

  /** Forgets the user's tokens (deleted, or a new password). */
  void invalidateUser(String user);

  void enable();

  void disable();
}
