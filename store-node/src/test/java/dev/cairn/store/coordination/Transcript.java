package dev.cairn.store.coordination;

import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.TextFormat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one run of a scenario saw, in a form that two servers can be compared on: every response and
 * error in order, with revisions counted from the scenario's start, lease IDs (in decimal and in
 * the hex of keys) replaced by names, and the member-specific header fields (cluster and member id,
 * raft term) dropped.
 */
final class Transcript {
  private static final Pattern MEMBER_FIELDS =
      Pattern.compile("\\b(cluster_id|member_id|raft_term): \\d+ ?");
  private static final Pattern REVISIONS =
      Pattern.compile("\\b(revision|rev|create_revision|mod_revision): (-?\\d+)");
  private static final Pattern LEASES = Pattern.compile("\\blease: (-?\\d+)");

  private final long base;
  private final Map<Long, String> leases = new LinkedHashMap<>();
  private final List<String> lines = new ArrayList<>();

  Transcript(long baseRevision) {
    this.base = baseRevision;
  }

  /** Names {@code id} in the transcript; returns it. */
  long lease(long id, String name) {
    leases.putIfAbsent(id, name);
    return id;
  }

  <T extends MessageOrBuilder> T add(String step, T response) {
    lines.add(step + " -> " + normalize(TextFormat.printer().shortDebugString(response)));
    return response;
  }

  /** Records an error: its code and, unless the client made it up (a deadline), its description. */
  StatusRuntimeException add(String step, StatusRuntimeException error) {
    Status s = error.getStatus();
    String text =
        s.getCode() == Status.Code.DEADLINE_EXCEEDED || s.getCode() == Status.Code.CANCELLED
            ? s.getCode().toString()
            : s.getCode() + ": " + s.getDescription();
    lines.add(step + " -> " + normalize(text));
    return error;
  }

  void note(String step, Object value) {
    lines.add(step + " -> " + normalize(String.valueOf(value)));
  }

  List<String> lines() {
    return List.copyOf(lines);
  }

  private String normalize(String text) {
    String s = MEMBER_FIELDS.matcher(text).replaceAll("");
    s = replace(REVISIONS, s, m -> m.group(1) + ": " + relative(Long.parseLong(m.group(2))));
    s = replace(LEASES, s, m -> "lease: " + leaseName(Long.parseLong(m.group(1))));
    for (Map.Entry<Long, String> e : leases.entrySet()) {
      s = s.replace(hex(e.getKey()), "<" + e.getValue() + ">");
    }
    return s;
  }

  private String relative(long revision) {
    return revision <= 0 ? String.valueOf(revision) : "base+" + (revision - base);
  }

  private String leaseName(long id) {
    if (id == 0) {
      return "0";
    }
    return leases.computeIfAbsent(id, k -> "lease" + (leases.size() + 1));
  }

  static String hex(long lease) {
    return lease < 0 ? "-" + Long.toHexString(-lease) : Long.toHexString(lease);
  }

  private static String replace(Pattern p, String s, Function<MatchResult, String> f) {
    return p.matcher(s).replaceAll(m -> Matcher.quoteReplacement(f.apply(m)));
  }
}
