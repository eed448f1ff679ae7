package dev.cairn.store.api.http;

import dev.cairn.store.api.MemberServices;
import dev.cairn.store.support.JsonText;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The HTTP surface of a member: every path etcd serves over HTTP/1.1 on its client and metrics
 * URLs, by exact path, as Go's ServeMux matches them.
 */
public final class HttpRoutes {
  private final Map<String, Route> routes = new HashMap<>();
  private Gateway gateway;

  private HttpRoutes() {}

  /**
   * The health, version and metrics endpoints of a member.
   *
   * @param requestTimeout how long a health check's read may take
   * @param metrics the text exposition of the member's metrics
   */
  public static HttpRoutes forMember(
      MemberServices member,
      Duration requestTimeout,
      Versions versions,
      MetricsPage metrics,
      HealthRecorder recorder) {
    HttpRoutes r = new HttpRoutes();
    new HealthChecks(member, requestTimeout, recorder).install(r.routes);
    r.routes.put(
        "/version",
        call ->
            CompletableFuture.completedFuture(
                call.method().equals("GET")
                    ? HttpAnswer.json(
                        200,
                        "{\"etcdserver\":\""
                            + JsonText.escape(versions.server())
                            + "\",\"etcdcluster\":\""
                            + JsonText.escape(versions.cluster())
                            + "\"}")
                    : HttpAnswer.methodNotAllowed("GET")));
    r.routes.put(
        "/metrics",
        call -> {
          // promhttp serves every method; only the body is skipped for HEAD.
          MetricsPage.Page page = metrics.render(call.headers().getOrDefault("accept", ""));
          return CompletableFuture.completedFuture(
              new HttpAnswer(200, page.contentType(), page.body(), Map.of()));
        });
    return r;
  }

  /** These routes with only the paths {@code keep} accepts. */
  public HttpRoutes restrictedTo(java.util.function.Predicate<String> keep) {
    HttpRoutes r = new HttpRoutes();
    routes.forEach(
        (path, route) -> {
          if (keep.test(path)) {
            r.routes.put(path, route);
          }
        });
    return r;
  }

  /**
   * These routes plus etcd's JSON gateway to the gRPC services reached through {@code channel},
   * which take requests of up to {@code maxMessageBytes}.
   */
  public HttpRoutes withGateway(io.grpc.Channel channel, int maxMessageBytes) {
    HttpRoutes r = restrictedTo(path -> true);
    r.gateway = new Gateway(channel, maxMessageBytes);
    return r;
  }

  /** The answer to one call; never fails (a failing route answers 500). */
  public CompletableFuture<HttpAnswer> answer(HttpCall call) {
    Route route = routes.get(call.path());
    if (route == null && gateway != null && Gateway.serves(call.path())) {
      route = gateway::answer;
    }
    if (route == null) {
      return CompletableFuture.completedFuture(HttpAnswer.notFound());
    }
    try {
      return route.answer(call).exceptionally(e -> HttpAnswer.error(500, "Internal Server Error"));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(HttpAnswer.error(500, "Internal Server Error"));
    }
  }

  /**
   * The versions /version reports.
   *
   * @param server this member's etcd-compatible version
   * @param cluster the cluster's version (major.minor.0), or {@code not_decided}
   */
  public record Versions(String server, String cluster) {}

  /** Renders the metrics exposition for a scrape. */
  public interface MetricsPage {
    record Page(String contentType, byte[] body) {}

    Page render(String accept);
  }
}
