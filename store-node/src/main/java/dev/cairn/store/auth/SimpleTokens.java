package dev.cairn.store.auth;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * etcd's "simple" tokens: {@code <16 random letters>.<raft index>}, known to every member because
 * each applies the Authenticate entry, kept in memory only, and forgotten after the TTL passes
 * without the token being used (each use renews it).
 */
public final class SimpleTokens implements TokenProvider {
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final int PREFIX_LENGTH = 16;

  private record Held(String user, long expiresNanos) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Held> tokens = new ConcurrentHashMap<>();
  private final long ttlNanos;
  private final LongSupplier nanoClock;

  public SimpleTokens(Duration ttl, LongSupplier nanoClock) {
    this.ttlNanos = ttl.toNanos();
    this.nanoClock = nanoClock;
  }

  public SimpleTokens(Duration ttl) {
    this(ttl, System::nanoTime);
  }

  @Override
  public String newPrefix() {
    char[] c = new char[PREFIX_LENGTH];
    for (int i = 0; i < c.length; i++) {
      c[i] = LETTERS.charAt(random.nextInt(LETTERS.length()));
    }
    return new String(c);
  }

  @Override
  public String assign(String user, long revision, String prefix, long index) {
    long now = nanoClock.getAsLong();
    tokens.values().removeIf(h -> now - h.expiresNanos() >= 0);
    String token = prefix + "." + index;
    tokens.put(token, new Held(user, now + ttlNanos));
    return token;
  }

  @Override
  public AuthInfo info(String token, long currentRevision) {
    Held h = tokens.get(token);
    if (h == null) {
      return null;
    }
    long now = nanoClock.getAsLong();
    if (now - h.expiresNanos() >= 0) {
      tokens.remove(token, h);
      return null;
    }
    tokens.replace(token, h, new Held(h.user(), now + ttlNanos));
    return new AuthInfo(h.user(), currentRevision);
  }

  /** The Raft index a simple token was made at, or -1 when the token has none. */
  public static long indexOf(String token) {
    int dot = token.lastIndexOf('.');
    if (dot < 0) {
      return -1;
    }
    try {
      return Long.parseLong(token.substring(dot + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public void invalidateUser(String user) {
    tokens.values().removeIf(h -> h.user().equals(user));
  }

  @Override
  public void enable() {}

  @Override
  public void disable() {
    tokens.clear();
  }
}
