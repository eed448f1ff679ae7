package dev.cairn.store.api.http;

import dev.cairn.proto.etcdserverpb.AlarmMember;
import dev.cairn.proto.etcdserverpb.AlarmRequest;
import dev.cairn.proto.etcdserverpb.AlarmType;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.store.api.GrpcErrors;
import dev.cairn.store.api.MemberServices;
import dev.cairn.store.support.JsonText;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * etcd's health endpoints: {@code /health} (JSON, with {@code exclude} and {@code serializable}),
 * and {@code /livez} and {@code /readyz} with their named checks, {@code verbose} and {@code
 * exclude}, and one sub-path per check.
 */
final class HealthChecks {
  private record Check(Supplier<CompletableFuture<Void>> run) {}

  // Go's server sniffs this body as plain text; etcd sets no type of its own.
  private static final HttpAnswer HEALTHY =
      new HttpAnswer(
          200,
          HttpAnswer.TEXT,
          "{\"health\":\"true\",\"reason\":\"\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
          Map.of());

  private final MemberServices member;
  private final Duration requestTimeout;
  private final HealthRecorder outcomes;
  private final Map<String, Check> livez = new LinkedHashMap<>();
  private final Map<String, Check> readyz = new LinkedHashMap<>();

  HealthChecks(MemberServices member, Duration requestTimeout, HealthRecorder outcomes) {
    this.member = member;
    this.requestTimeout = requestTimeout;
    this.outcomes = outcomes;
    livez.put("serializable_read", new Check(() -> read(true)));
    readyz.put("data_corruption", new Check(() -> alarmAbsent(AlarmType.CORRUPT)));
    readyz.put("serializable_read", new Check(() -> read(true)));
    readyz.put("linearizable_read", new Check(() -> read(false)));
    readyz.put("non_learner", new Check(this::notLearner));
  }

  /** The paths this answers, each a route. */
  void install(Map<String, Route> routes) {
    routes.put("/health", this::health);
    install(routes, "livez", livez);
    install(routes, "readyz", readyz);
  }

  private void install(Map<String, Route> routes, String type, Map<String, Check> checks) {
    routes.put("/" + type, call -> run(call, type, checks, call.queryValues("exclude")));
    for (String name : checks.keySet()) {
      routes.put(
          "/" + type + "/" + name,
          call -> run(call, type, Map.of(name, checks.get(name)), List.of()));
    }
  }

  private CompletableFuture<HttpAnswer> health(HttpCall call) {
    if (!call.method().equals("GET")) {
      return CompletableFuture.completedFuture(HttpAnswer.methodNotAllowed("GET"));
    }
    Set<String> excluded = Set.copyOf(call.queryValues("exclude"));
    boolean serializable = call.queryValue("serializable").equals("true");
    for (AlarmMember a : alarms()) {
      if (excluded.contains(a.getAlarm().name())) {
        continue;
      }
      return done(
          unhealthy(
              switch (a.getAlarm()) {
                case NOSPACE -> "ALARM NOSPACE";
                case CORRUPT -> "ALARM CORRUPT";
                default -> "ALARM UNKNOWN";
              }));
    }
    if (!serializable && member.status().leader() == 0) {
      return done(unhealthy("RAFT NO LEADER"));
    }
    return read(serializable)
        .handle(
            (ok, err) -> {
              HttpAnswer a = err == null ? HEALTHY : unhealthy("RANGE ERROR:" + message(err));
              outcomes.health(a.status() == 200);
              return a;
            });
  }

  private CompletableFuture<HttpAnswer> done(HttpAnswer a) {
    outcomes.health(a.status() == 200);
    return CompletableFuture.completedFuture(a);
  }

  private static HttpAnswer unhealthy(String reason) {
    return HttpAnswer.error(
        503, "{\"health\":\"false\",\"reason\":\"" + JsonText.escape(reason) + "\"}");
  }

  private CompletableFuture<HttpAnswer> run(
      HttpCall call, String type, Map<String, Check> checks, List<String> exclude) {
    if (!call.method().equals("GET")) {
      return CompletableFuture.completedFuture(HttpAnswer.methodNotAllowed("GET"));
    }
    List<String> names = new ArrayList<>();
    for (String name : checks.keySet()) {
      if (!exclude.contains(name)) {
        names.add(name);
      }
    }
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (String name : names) {
      results.add(
          checks
              .get(name)
              .run()
              .get()
              .handle(
                  (ok, err) -> {
                    outcomes.check(type, name, err == null);
                    return err == null
                        ? "[+]" + name + " ok\n"
                        : "[-]" + name + " failed: " + message(err) + "\n";
                  }));
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenApply(
            x -> {
              StringBuilder report = new StringBuilder();
              boolean failed = false;
              for (CompletableFuture<String> r : results) {
                String line = r.join();
                failed |= line.startsWith("[-]");
                report.append(line);
              }
              if (failed) {
                // etcd always explains a failure, verbose or not.
                return HttpAnswer.error(503, report.toString());
              }
              return HttpAnswer.text(200, (call.hasQuery("verbose") ? report : "") + "ok\n");
            });
  }

  private List<AlarmMember> alarms() {
    return member
        .maintenance()
        .alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build())
        .join()
        .getAlarmsList();
  }

  private CompletableFuture<Void> alarmAbsent(AlarmType type) {
    for (AlarmMember a : alarms()) {
      if (a.getAlarm() == type) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("alarm activated: " + type.name()));
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  private CompletableFuture<Void> notLearner() {
    return member.status().isLearner()
        ? CompletableFuture.failedFuture(new IllegalStateException("not supported for learner"))
        : CompletableFuture.completedFuture(null);
  }

  /** A one-key, keys-only read, as root, as etcd's checks make it. */
  private CompletableFuture<Void> read(boolean serializable) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    try {
      member
          .kv()
          .range(
              RangeRequest.newBuilder()
                  .setKey(com.google.protobuf.ByteString.copyFrom(new byte[] {0}))
                  .setKeysOnly(true)
                  .setLimit(1)
                  .setSerializable(serializable)
                  .build())
          .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete(
              (r, e) -> {
                if (e == null) {
                  f.complete(null);
                } else {
                  f.completeExceptionally(e);
                }
              });
    } catch (RuntimeException e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  /** The text of a failure, as the etcd error a client would see. */
  private static String message(Throwable err) {
    Throwable t = err;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof java.util.concurrent.TimeoutException) {
      return "etcdserver: request timed out";
    }
    if (t instanceof IllegalStateException) {
      return t.getMessage();
    }
    StatusRuntimeException s = GrpcErrors.toGrpc(t);
    String d = s.getStatus().getDescription();
    return d == null ? s.getStatus().getCode().name() : d;
  }
}
