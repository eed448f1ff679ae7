package dev.cairn.store.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One gRPC endpoint: {@code host:port}, {@code http://host:port} or {@code https://host:port}. */
record Endpoint(String host, int port, boolean tls) {
  private static final int DEFAULT_PORT = 2379;

  static List<Endpoint> parseAll(List<String> specs) {
    List<Endpoint> out = new ArrayList<>();
    for (String s : specs) {
      if (!s.isBlank()) {
        out.add(parse(s.trim()));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--endpoints names no endpoint");
    }
    return out;
  }

  static Endpoint parse(String spec) {
    String rest = spec;
    boolean tls = false;
    String lower = spec.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://")) {
      rest = spec.substring("http://".length());
    } else if (lower.startsWith("https://")) {
      rest = spec.substring("https://".length());
      tls = true;
    } else if (lower.contains("://")) {
      throw new IllegalArgumentException(
          "unsupported endpoint " + spec + ": use host:port, http:// or https://");
    }
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      rest = rest.substring(0, slash);
    }
    String host;
    String port = null;
    if (rest.startsWith("[")) {
      int close = rest.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("bad endpoint " + spec);
      }
      host = rest.substring(1, close);
      if (close + 1 < rest.length()) {
        if (rest.charAt(close + 1) != ':') {
          throw new IllegalArgumentException("bad endpoint " + spec);
        }
        port = rest.substring(close + 2);
      }
    } else {
      int colon = rest.lastIndexOf(':');
      if (colon >= 0) {
        host = rest.substring(0, colon);
        port = rest.substring(colon + 1);
      } else {
        host = rest;
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("bad endpoint " + spec + ": no host");
    }
    int p = DEFAULT_PORT;
    if (port != null) {
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad endpoint " + spec + ": port " + port);
      }
      if (p < 1 || p > 65535) {
        throw new IllegalArgumentException("bad endpoint " + spec + ": port " + port);
      }
    }
    return new Endpoint(host, p, tls);
  }

  @Override
  public String toString() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return (tls ? "https://" : "http://") + h + ":" + port;
  }
}
