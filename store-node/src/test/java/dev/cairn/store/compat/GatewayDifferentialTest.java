package dev.cairn.store.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's JSON gateway, as curl uses it: the same POSTs to a real etcd and to Cairn, in the same
 * order, answer with the same HTTP status and the same JSON, ids and terms aside.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayDifferentialTest {
  /** Values that differ between any two clusters: identities, terms, sizes, versions. */
  private static final Set<String> IDENTITIES =
      Set.of(
          "cluster_id",
          "member_id",
          "raft_term",
          "memberID",
          "leader",
          "raftIndex",
          "raftTerm",
          "raftAppliedIndex",
          "dbSize",
          "dbSizeInUse",
          "hash",
          "ID",
          "peerURLs",
          "clientURLs",
          "name",
          "token");

  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir static Path dir;
  static EtcdAndCairn servers;

  @BeforeAll
  static void start() throws Exception {
    servers = EtcdAndCairn.start(dir);
  }

  @AfterAll
  static void stop() {
    if (servers != null) {
      servers.close();
    }
  }

  @Test
  @Order(1)
  void keyValueCallsAndTheirErrors() {
    same("/v3/kv/put", "{\"key\":\"Zm9v\",\"value\":\"YmFy\"}");
    same("/v3/kv/put", "{\"key\":\"Zm9vMg==\",\"value\":\"YmF6\",\"prev_kv\":true}");
    same("/v3/kv/put", "{\"key\":\"Zm9vMg==\",\"value\":\"cXV4\",\"prevKv\":true}");
    same("/v3/kv/range", "{\"key\":\"Zm9v\"}");
    same("/v3/kv/range", "{\"key\":\"Zm9v\",\"range_end\":\"Zm9w\",\"limit\":\"1\"}");
    same("/v3/kv/range", "{\"key\":\"AA==\",\"range_end\":\"AA==\",\"count_only\":true}");
    same("/v3/kv/range", "{\"key\":\"Zm9v\",\"revision\":\"99\"}");
    same("/v3/kv/range", "{}");
    same("/v3/kv/range", "{\"key\":\"Zm9v\",\"unknown_field\":1}");
    same("/v3beta/kv/range", "{\"key\":\"Zm9v\"}");
    same(
        "/v3/kv/txn",
        "{\"compare\":[{\"key\":\"Zm9v\",\"result\":\"EQUAL\",\"target\":\"VALUE\",\"value\":\"YmFy\"}],"
            + "\"success\":[{\"requestRange\":{\"key\":\"Zm9v\"}},"
            + "{\"request_put\":{\"key\":\"dHhu\",\"value\":\"MQ==\"}}],"
            + "\"failure\":[{\"request_delete_range\":{\"key\":\"Zm9v\"}}]}");
    same("/v3/kv/deleterange", "{\"key\":\"Zm9vMg==\",\"prev_kv\":true}");
    same("/v3/kv/compaction", "{\"revision\":\"3\",\"physical\":true}");
    same("/v3/kv/range", "{\"key\":\"Zm9v\",\"revision\":\"2\"}");
    same("/v3/kv/compaction", "{\"revision\":\"1\"}");
  }

  @Test
  @Order(2)
  void leasesWithChosenIds() {
    same("/v3/lease/grant", "{\"ID\":\"4096\",\"TTL\":\"60\"}");
    same("/v3/lease/grant", "{\"ID\":\"4096\",\"TTL\":\"60\"}");
    same("/v3/kv/put", "{\"key\":\"bGVhc2Vk\",\"value\":\"eA==\",\"lease\":\"4096\"}");
    same("/v3/lease/timetolive", "{\"ID\":\"4096\",\"keys\":true}");
    same("/v3/kv/lease/timetolive", "{\"ID\":\"4096\"}");
    same("/v3/lease/leases", "{}");
    same("/v3/kv/lease/leases", "{}");
    assertThat(firstLine(servers.cairn.endpoint(), "/v3/lease/keepalive", "{\"ID\":\"4096\"}"))
        .isEqualTo(firstLine(servers.etcd.endpoint(), "/v3/lease/keepalive", "{\"ID\":\"4096\"}"));
    same("/v3/lease/revoke", "{\"ID\":\"4096\"}");
    same("/v3/kv/lease/revoke", "{\"ID\":\"4096\"}");
    same("/v3/kv/range", "{\"key\":\"bGVhc2Vk\"}");
  }

  @Test
  @Order(3)
  void aStreamingWatchDeliversTheHistory() {
    String create =
        "{\"create_request\":{\"key\":\"Zm9v\",\"range_end\":\"Zm9w\",\"start_revision\":\"4\"}}";
    assertThat(lines(servers.cairn.endpoint(), "/v3/watch", create, 2))
        .isEqualTo(lines(servers.etcd.endpoint(), "/v3/watch", create, 2));
  }

  @Test
  @Order(4)
  void clusterAndMaintenanceAnswerWithTheSameShape() {
    same("/v3/cluster/member/list", "{}");
    same("/v3/cluster/member/add", "{\"peerURLs\":[\"not a url\"]}");
    same("/v3/cluster/member/remove", "{\"ID\":\"42\"}");
    same("/v3/maintenance/status", "{}");
    // etcd 3.5 fills the Alarm response's header, 3.4 left it empty (v3rpc/maintenance.go Alarm).
    assertThat(
            normalise(
                post(
                    servers.cairn.endpoint(),
                    "/v3/maintenance/alarm",
                    "{\"action\":\"GET\"}",
                    null)))
        .matches("200 application/json \\{\"header\":\\{[^}]*\"revision\":\"\\d+\"[^}]*}}");
    same("/v3/maintenance/hash", "{}");
    // etcd 3.5 added the HashKV path to its gateway (rpc.proto); 3.4 answers 404 Not Found.
    assertThat(normalise(post(servers.cairn.endpoint(), "/v3/maintenance/hashkv", "{}", null)))
        .startsWith("200 application/json {\"header\":")
        .contains("\"hash\":\"<hash>\"", "\"hash_revision\":");
    same("/v3/maintenance/defragment", "{}");
    same("/v3/cluster/member/update", "{\"ID\":\"42\",\"peerURLs\":[\"http://127.0.0.1:1\"]}");
    same("/v3/cluster/member/promote", "{\"ID\":\"42\"}");
    same("/v3/maintenance/transfer-leadership", "{\"targetID\":\"42\"}");
    assertThat(firstLine(servers.cairn.endpoint(), "/v3/maintenance/snapshot", "{}"))
        .startsWith("200");
  }

  @Test
  @Order(5)
  void electionsAndLocks() {
    same("/v3/election/leader", "{\"name\":\"ZWw=\"}");
    same("/v3/election/resign", "{}");
    same("/v3/lock/unlock", "{\"key\":\"bG9jaw==\"}");
  }

  @Test
  @Order(6)
  void usersRolesAndAnAuthorizationHeader() {
    same("/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"pw\"}");
    same("/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"pw\"}");
    same("/v3/auth/user/add", "{\"name\":\"\",\"password\":\"pw\"}");
    same("/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}");
    same("/v3/auth/role/add", "{\"name\":\"reader\"}");
    same(
        "/v3/auth/role/grant",
        "{\"name\":\"reader\",\"perm\":{\"permType\":\"READ\",\"key\":\"Zm9v\",\"range_end\":\"Zm9w\"}}");
    same("/v3/auth/role/get", "{\"role\":\"reader\"}");
    same("/v3/auth/role/list", "{}");
    same("/v3/auth/user/list", "{}");
    same("/v3/auth/user/get", "{\"name\":\"root\"}");
    same("/v3/auth/user/add", "{\"name\":\"bob\",\"password\":\"b\"}");
    same("/v3/auth/user/grant", "{\"user\":\"bob\",\"role\":\"reader\"}");
    same("/v3/auth/user/grant", "{\"user\":\"bob\",\"role\":\"missing\"}");
    same("/v3/auth/user/revoke", "{\"name\":\"bob\",\"role\":\"reader\"}");
    same("/v3/auth/user/changepw", "{\"name\":\"bob\",\"password\":\"c\"}");
    same("/v3/auth/user/delete", "{\"name\":\"bob\"}");
    same("/v3/auth/user/delete", "{\"name\":\"bob\"}");
    same("/v3/auth/role/revoke", "{\"role\":\"reader\",\"key\":\"Zm9v\",\"range_end\":\"Zm9w\"}");
    same("/v3/auth/role/add", "{\"name\":\"temp\"}");
    same("/v3/auth/role/delete", "{\"role\":\"temp\"}");
    same("/v3/auth/enable", "{}");
    same("/v3/kv/range", "{\"key\":\"Zm9v\"}");
    same("/v3/auth/authenticate", "{\"name\":\"root\",\"password\":\"wrong\"}");
    String etcdToken = token(servers.etcd.endpoint());
    String cairnToken = token(servers.cairn.endpoint());
    assertThat(
            normalise(
                post(servers.cairn.endpoint(), "/v3/kv/range", "{\"key\":\"Zm9v\"}", cairnToken)))
        .isEqualTo(
            normalise(
                post(servers.etcd.endpoint(), "/v3/kv/range", "{\"key\":\"Zm9v\"}", etcdToken)));
    assertThat(normalise(post(servers.cairn.endpoint(), "/v3/auth/disable", "{}", cairnToken)))
        .isEqualTo(normalise(post(servers.etcd.endpoint(), "/v3/auth/disable", "{}", etcdToken)));
    same("/v3/kv/range", "{\"key\":\"Zm9v\"}");
  }

  @Test
  @Order(7)
  void badRequestsGetTheGatewaysErrors() {
    same("/v3/kv/range", "{\"key\":");
    same("/v3/kv/range", "[]");
    same("/v3/kv/put", "{\"key\":\"not base64!\"}");
    same("/v3/kv/range", "{\"limit\":\"many\"}");
    same("/v3/kv/nothing", "{}");
    // Past the gRPC message limit, and past --max-request-bytes below it.
    same("/v3/kv/put", "{\"key\":\"Ymln\",\"value\":\"" + base64Of(2 << 20) + "\"}");
    same("/v3/kv/put", "{\"key\":\"Ymln\",\"value\":\"" + base64Of((1 << 20) + 700_000) + "\"}");
    same("/nothing/at/all", "{}");
    HttpResponse<String> get = get(servers.cairn.endpoint() + "/v3/kv/range");
    HttpResponse<String> etcdGet = get(servers.etcd.endpoint() + "/v3/kv/range");
    assertThat(get.statusCode()).isEqualTo(etcdGet.statusCode());
    assertThat(get.body()).isEqualTo(etcdGet.body());
  }

  // ---- helpers ----

  private static String base64Of(int bytes) {
    return java.util.Base64.getEncoder().encodeToString(new byte[bytes]);
  }

  private static void same(String path, String body) {
    String etcd = as35(normalise(post(servers.etcd.endpoint(), path, body, null)));
    String cairn = normalise(post(servers.cairn.endpoint(), path, body, null));
    assertThat(cairn).as("POST %s %s", path, body).isEqualTo(etcd);
  }

  /**
   * etcd 3.4's answer as etcd 3.5 gives it: 3.5's grpc-gateway (v1.16, runtime/errors.go
   * HTTPStatusFromCode) answers FailedPrecondition with 400 where 3.4's (v1.9) said 412.
   */
  private static String as35(String answer) {
    return answer.startsWith("412 ") ? "400 " + answer.substring(4) : answer;
  }

  private static String token(String endpoint) {
    String body =
        post(endpoint, "/v3/auth/authenticate", "{\"name\":\"root\",\"password\":\"pw\"}", null)
            .body();
    return JsonParser.parseString(body).getAsJsonObject().get("token").getAsString();
  }

  private static HttpResponse<String> post(
      String endpoint, String path, String body, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(endpoint + path))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", token);
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse<String> get(String url) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Status, content type and body, with the JSON's cluster-specific values masked. */
  private static String normalise(HttpResponse<String> r) {
    String body = r.body();
    String shown;
    try {
      shown = mask(JsonParser.parseString(body)).toString();
    } catch (RuntimeException e) {
      shown = body;
    }
    return r.statusCode() + " " + r.headers().firstValue("Content-Type").orElse("") + " " + shown;
  }

  private static JsonElement mask(JsonElement e) {
    if (e.isJsonObject()) {
      JsonObject out = new JsonObject();
      for (Map.Entry<String, JsonElement> f : e.getAsJsonObject().entrySet()) {
        out.add(
            f.getKey(),
            IDENTITIES.contains(f.getKey()) && !f.getValue().isJsonNull()
                ? new JsonPrimitive("<" + f.getKey() + ">")
                : mask(f.getValue()));
      }
      // Versions and the server's own figures differ by build, not by behaviour; Cairn's Status
      // also carries the fields etcd 3.6 added (storage version, quota, downgrade), which 3.5
      // clients ignore.
      if (out.has("version") && out.has("dbSize")) {
        out.add("version", new JsonPrimitive("<version>"));
        out.remove("storageVersion");
        out.remove("dbSizeQuota");
        out.remove("downgradeInfo");
      }
      return out;
    }
    if (e.isJsonArray()) {
      JsonArray out = new JsonArray();
      e.getAsJsonArray().forEach(x -> out.add(mask(x)));
      return out;
    }
    return e;
  }

  private static String firstLine(String endpoint, String path, String body) {
    return lines(endpoint, path, body, 1).get(0);
  }

  /** The first {@code n} lines of a streamed answer, masked; the stream is then dropped. */
  private static List<String> lines(String endpoint, String path, String body, int n) {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(endpoint + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    try {
      HttpResponse<InputStream> r = HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
      List<String> out = new ArrayList<>();
      out.add(String.valueOf(r.statusCode()));
      try (InputStream in = r.body();
          BufferedReader reader =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        while (out.size() <= n) {
          String line = reader.readLine();
          if (line == null) {
            break;
          }
          out.add(mask(JsonParser.parseString(line)).toString());
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
