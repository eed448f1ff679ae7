package dev.cairn.store.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;

/**
 * bcrypt hashing of passwords, in the {@code $2a$} form etcd's Go bcrypt writes, so that a user
 * store restored from either side verifies the same passwords.
 */
public final class Passwords {
  /** etcd's --bcrypt-cost default. */
  public static final int DEFAULT_COST = 10;

  private final int cost;

  // Verified against when the user does not exist, so that a wrong user name costs as much time
  // as a wrong password and the answer's timing does not tell which of the two was wrong.
  private final byte[] nobody;

  public Passwords(int cost) {
    if (cost < 4 || cost > 31) {
      throw new IllegalArgumentException("bcrypt cost must be between 4 and 31, got " + cost);
    }
    this.cost = cost;
    this.nobody = hash("cairn: no such user");
  }

  public byte[] hash(String password) {
    return BCrypt.with(BCrypt.Version.VERSION_2A)
        .hash(cost, password.getBytes(StandardCharsets.UTF_8));
  }

  /** Whether the password matches the stored hash; false for a missing or malformed hash. */
  public boolean matches(String password, byte[] hash) {
    byte[] against = hash == null || hash.length == 0 ? nobody : hash;
    boolean verified;
    try {
      verified =
          BCrypt.verifyer().verify(password.getBytes(StandardCharsets.UTF_8), against).verified;
    } catch (RuntimeException e) {
      verified = false;
    }
    return verified && against != nobody;
  }
}
