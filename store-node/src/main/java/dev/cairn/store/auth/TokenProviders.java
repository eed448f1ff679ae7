package dev.cairn.store.auth;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the token provider etcd's {@code --auth-token} names. */
public final class TokenProviders {
  private static final Duration DEFAULT_JWT_TTL = Duration.ofMinutes(5);
  private static final Pattern GO_DURATION_PART =
      Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

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

  /** A Go duration such as {@code 5m}, {@code 1h30m} or {@code 300s}. */
  static Duration goDuration(String s) {
    Matcher m = GO_DURATION_PART.matcher(s);
    long nanos = 0;
    int at = 0;
    while (at < s.length() && m.find(at) && m.start() == at) {
      double v = Double.parseDouble(m.group(1));
      long unit =
          switch (m.group(2)) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
          };
      nanos += (long) (v * unit);
      at = m.end();
    }
    if (s.isEmpty() || at != s.length() || nanos <= 0) {
      throw new IllegalArgumentException("invalid duration '" + s + "'");
    }
    return Duration.ofNanos(nanos);
  }
}
