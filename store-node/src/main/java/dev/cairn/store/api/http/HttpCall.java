package dev.cairn.store.api.http;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One HTTP/1.1 request, independent of the server that read it.
 *
 * @param method upper-case method name
 * @param path the path, without query
 * @param query each query parameter's values, in order
 * @param headers header values by lower-case name
 * @param body the whole request body
 */
public record HttpCall(
    String method,
    String path,
    Map<String, List<String>> query,
    Map<String, String> headers,
    byte[] body) {

  /** A call for a request target such as {@code /health?exclude=NOSPACE}. */
  public static HttpCall of(
      String method, String target, Map<String, String> headers, byte[] body) {
    URI uri = URI.create(target.startsWith("/") ? target : "/" + target);
    return new HttpCall(method, uri.getRawPath(), parseQuery(uri.getRawQuery()), headers, body);
  }

  /** Whether the query names {@code name}, with or without a value (Go's {@code Query()[name]}). */
  public boolean hasQuery(String name) {
    return query.containsKey(name);
  }

  /** The first value of a query parameter, or "" when absent (Go's {@code Query().Get}). */
  public String queryValue(String name) {
    List<String> vs = query.get(name);
    return vs == null || vs.isEmpty() ? "" : vs.get(0);
  }

  /** Every non-empty value of a query parameter. */
  public List<String> queryValues(String name) {
    return query.getOrDefault(name, List.of()).stream().filter(v -> !v.isEmpty()).toList();
  }

  private static Map<String, List<String>> parseQuery(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String part : raw.split("[&;]")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String k = decode(eq < 0 ? part : part.substring(0, eq));
      String v = eq < 0 ? "" : decode(part.substring(eq + 1));
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
