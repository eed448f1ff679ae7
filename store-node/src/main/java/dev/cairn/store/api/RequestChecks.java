package dev.cairn.store.api;

import dev.cairn.proto.etcdserverpb.Compare;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.store.support.StoreError;
import dev.cairn.store.support.StoreException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The checks etcd makes on a request's form before it reaches the server. */
final class RequestChecks {
  private RequestChecks() {}

  private static StoreException error(StoreError e) {
    return new StoreException(e);
  }

  static void checkRange(RangeRequest r) {
    if (r.getKey().isEmpty()) {
      throw error(StoreError.EMPTY_KEY);
    }
    if (r.getSortOrder() == RangeRequest.SortOrder.UNRECOGNIZED
        || r.getSortTarget() == RangeRequest.SortTarget.UNRECOGNIZED) {
      throw error(StoreError.INVALID_SORT_OPTION);
    }
  }

  static void checkPut(PutRequest r) {
    if (r.getKey().isEmpty()) {
      throw error(StoreError.EMPTY_KEY);
    }
    if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
      throw error(StoreError.VALUE_PROVIDED);
    }
    if (r.getIgnoreLease() && r.getLease() != 0) {
      throw error(StoreError.LEASE_PROVIDED);
    }
  }

  static void checkDelete(DeleteRangeRequest r) {
    if (r.getKey().isEmpty()) {
      throw error(StoreError.EMPTY_KEY);
    }
  }

  static void checkTxn(TxnRequest r, int maxTxnOps) {
    checkTxnForm(r, maxTxnOps);
    // Overlaps are checked after the form, so that a malformed request cannot cost quadratic time.
    checkIntervals(r.getSuccessList());
    checkIntervals(r.getFailureList());
  }

  private static void checkTxnForm(TxnRequest r, int maxTxnOps) {
    int ops = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
    if (ops > maxTxnOps) {
      throw error(StoreError.TOO_MANY_OPS);
    }
    for (Compare c : r.getCompareList()) {
      if (c.getKey().isEmpty()) {
        throw error(StoreError.EMPTY_KEY);
      }
    }
    for (RequestOp op : r.getSuccessList()) {
      checkOp(op, maxTxnOps - ops);
    }
    for (RequestOp op : r.getFailureList()) {
      checkOp(op, maxTxnOps - ops);
    }
  }

  private static void checkOp(RequestOp op, int maxTxnOps) {
    switch (op.getRequestCase()) {
      case REQUEST_RANGE -> checkRange(op.getRequestRange());
      case REQUEST_PUT -> checkPut(op.getRequestPut());
      case REQUEST_DELETE_RANGE -> checkDelete(op.getRequestDeleteRange());
      case REQUEST_TXN -> checkTxnForm(op.getRequestTxn(), maxTxnOps);
      default -> throw error(StoreError.KEY_NOT_FOUND); // an empty operation
    }
  }

  /** A deleted interval: [key, end), a single key when end is empty. */
  private record Interval(byte[] key, byte[] end) {
    boolean contains(byte[] k) {
      if (end.length == 0) {
        return Arrays.equals(key, k);
      }
      return Arrays.compareUnsigned(key, k) <= 0 && Arrays.compareUnsigned(k, end) < 0;
    }
  }

  private record Writes(Set<String> puts, List<Interval> deletes) {
    boolean deletes(byte[] k) {
      for (Interval iv : deletes) {
        if (iv.contains(k)) {
          return true;
        }
      }
      return false;
    }
  }

  private static String keyOf(byte[] k) {
    return new String(k, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /**
   * Rejects one branch that puts a key twice, or puts a key it also deletes, counting nested
   * transactions that could run with it (a nested then and else may put the same key).
   */
  private static Writes checkIntervals(List<RequestOp> ops) {
    List<Interval> dels = new ArrayList<>();
    for (RequestOp op : ops) {
      if (op.hasRequestDeleteRange()) {
        DeleteRangeRequest d = op.getRequestDeleteRange();
        dels.add(new Interval(d.getKey().toByteArray(), d.getRangeEnd().toByteArray()));
      }
    }
    Writes w = new Writes(new HashSet<>(), dels);
    for (RequestOp op : ops) {
      if (!op.hasRequestTxn()) {
        continue;
      }
      Writes then = checkIntervals(op.getRequestTxn().getSuccessList());
      Writes otherwise = checkIntervals(op.getRequestTxn().getFailureList());
      for (String k : then.puts()) {
        if (w.puts().contains(k)
            || w.deletes(k.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))) {
          throw error(StoreError.DUPLICATE_KEY);
        }
        w.puts().add(k);
      }
      for (String k : otherwise.puts()) {
        if (w.puts().contains(k) && !then.puts().contains(k)) {
          throw error(StoreError.DUPLICATE_KEY);
        }
        if (w.deletes(k.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))) {
          throw error(StoreError.DUPLICATE_KEY);
        }
        w.puts().add(k);
      }
      dels.addAll(then.deletes());
      dels.addAll(otherwise.deletes());
    }
    for (RequestOp op : ops) {
      if (!op.hasRequestPut()) {
        continue;
      }
      byte[] key = op.getRequestPut().getKey().toByteArray();
      String k = keyOf(key);
      if (w.puts().contains(k) || w.deletes(key)) {
        throw error(StoreError.DUPLICATE_KEY);
      }
      w.puts().add(k);
    }
    return w;
  }

  /**
   * etcd's check of a member's peer URLs (its {@code types.NewURLs}): at least one; each an http(s)
   * URL whose address has the form host:port and which has no path, or a unix(s) URL.
   */
  static void checkPeerUrls(List<String> urls) {
    if (urls.isEmpty()) {
      throw error(StoreError.BAD_MEMBER_URLS);
    }
    for (String u : urls) {
      if (!validPeerUrl(u.strip())) {
        throw error(StoreError.BAD_MEMBER_URLS);
      }
    }
  }

  private static boolean validPeerUrl(String s) {
    java.net.URI uri;
    try {
      uri = new java.net.URI(s);
    } catch (java.net.URISyntaxException e) {
      return false;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    return switch (scheme) {
      case "unix", "unixs" -> true;
      case "http", "https" ->
          uri.getRawAuthority() != null
              && hasHostPortForm(uri.getRawAuthority())
              && (uri.getRawPath() == null || uri.getRawPath().isEmpty());
      default -> false;
    };
  }

  /** Whether an address splits into host and port as Go's net.SplitHostPort splits it. */
  private static boolean hasHostPortForm(String authority) {
    String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      return close > 0
          && hostPort.startsWith(":", close + 1)
          && hostPort.indexOf(':', close + 2) < 0;
    }
    int colon = hostPort.lastIndexOf(':');
    return colon >= 0 && hostPort.indexOf(':') == colon && hostPort.indexOf(']') < 0;
  }
}
