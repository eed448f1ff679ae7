package dev.cairn.store.support;

/** The little JSON written by hand (health answers, log lines): string escaping. */
public final class JsonText {
  private JsonText() {}

  /** {@code s} as the inside of a JSON string. */
  public static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    escape(b, s);
    return b.toString();
  }

  /** Appends {@code s}, escaped for the inside of a JSON string; nothing for null. */
  public static void escape(StringBuilder b, String s) {
    if (s == null) {
      return;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
  }
}
