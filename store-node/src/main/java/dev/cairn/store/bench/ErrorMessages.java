package dev.cairn.store.bench;

import io.grpc.Status;
import java.util.Locale;

/** Error texts as etcd's Go client prints them, so that both tools' error tables read alike. */
final class ErrorMessages {
  private ErrorMessages() {}

  static String of(Throwable t) {
    Status s = Status.fromThrowable(t);
    if (s.getCode() == Status.Code.UNKNOWN && s.getDescription() == null) {
      return String.valueOf(t);
    }
    String desc = s.getDescription() == null ? "" : s.getDescription();
    // etcd's client turns its own server errors into plain errors ("etcdserver: ...").
    if (desc.startsWith("etcdserver: ") || desc.startsWith("mvcc: ")) {
      return desc;
    }
    return "rpc error: code = " + goName(s.getCode()) + " desc = " + desc;
  }

  /** {@code DEADLINE_EXCEEDED} → {@code DeadlineExceeded}, as grpc-go names codes. */
  static String goName(Status.Code code) {
    if (code == Status.Code.OK) {
      return "OK";
    }
    StringBuilder b = new StringBuilder();
    for (String part : code.name().split("_")) {
      b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return b.toString();
  }
}
