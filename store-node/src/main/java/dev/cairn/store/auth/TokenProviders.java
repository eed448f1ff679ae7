package dev.cairn.store.auth;

import dev.cairn.store.support.GoDurations;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Builds the token provider etcd's {@code --auth-token} names. */
public final class TokenProviders {
  private static final Duration DEFAULT_JWT_TTL = Duration.ofMinutes(5);

  private TokenProviders() {}

  /**
   * @param option {@code simple}, or {@code jwt,pub-key=FILE,priv-key=FILE,sign-method=ALG[,ttl=D]}
   * @param simpleTtl {@code --auth-token-ttl} for simple tokens
   * @throws IllegalArgumentException with a message naming the problem
   */
  public static TokenProvider fromFlag(String option, Duration simpleTtl) {
    String[] parts = option.split(",");
    String type = parts[0].trim();
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i < parts.length; i++) {
      String[] kv = parts[i].split("=", 2);
      if (kv.length != 2 || kv[0].isBlank() || opts.containsKey(kv[0].trim())) {
        throw new IllegalArgumentException("invalid --auth-token option '" + parts[i] + "'");
      }
      opts.put(kv[0].trim(), kv[1].trim());
    }
    switch (type) {
      case "simple":
        if (!opts.isEmpty()) {
          throw new IllegalArgumentException("--auth-token simple takes no options");
        }
        return new SimpleTokens(simpleTtl);
      case "jwt":
        return jwt(opts);
      default:
        throw new IllegalArgumentException(
            "unknown --auth-token type '" + type + "' (expected simple or jwt)");
    }
  }

  private static TokenProvider jwt(Map<String, String> opts) {
    for (String k : opts.keySet()) {
      if (!k.equals("pub-key")
          && !k.equals("priv-key")
          && !k.equals("sign-method")
          && !k.equals("ttl")) {
        throw new IllegalArgumentException("unknown --auth-token jwt option '" + k + "'");
      }
    }
    String method = opts.get("sign-method");
    if (method == null) {
      throw new IllegalArgumentException("--auth-token jwt needs sign-method");
    }
    Duration ttl = opts.containsKey("ttl") ? goDuration(opts.get("ttl")) : DEFAULT_JWT_TTL;
    try {
      return JwtTokens.create(
          method,
          opts.containsKey("pub-key") ? Path.of(opts.get("pub-key")) : null,
          opts.containsKey("priv-key") ? Path.of(opts.get("priv-key")) : null,
          ttl,
          Clock.systemUTC());
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("--auth-token jwt: " + e.getMessage(), e);
    }
  }

  /** A Go duration such as {@code 5m}, {@code 1h30m} or {@code 300s}, and more than zero. */
  static Duration goDuration(String s) {
    return GoDurations.parse(s)
        .filter(d -> d.isPositive())
        .orElseThrow(() -> new IllegalArgumentException("invalid duration '" + s + "'"));
  }
}
