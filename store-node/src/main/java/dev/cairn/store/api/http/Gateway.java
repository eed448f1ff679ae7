package dev.cairn.store.api.http;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonStreamParser;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.cairn.proto.etcdserverpb.AuthGrpc;
import dev.cairn.proto.etcdserverpb.ClusterGrpc;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.LeaseGrpc;
import dev.cairn.proto.etcdserverpb.MaintenanceGrpc;
import dev.cairn.proto.etcdserverpb.WatchGrpc;
import dev.cairn.proto.v3electionpb.ElectionGrpc;
import dev.cairn.proto.v3lockpb.LockGrpc;
import dev.cairn.store.support.JsonText;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's gRPC gateway: each {@code POST /v3/...} path calls its gRPC method with the JSON body as
 * the request (proto3 JSON: base64 bytes, int64 as strings, snake_case or lowerCamelCase names),
 * and answers with the response in the same JSON, field names as in the .proto. Streams answer with
 * one {@code {"result":...}} object per line.
 */
final class Gateway {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Channel channel;
  private final int maxMessageBytes;
  private final Map<String, MethodDescriptor<Message, Message>> methods = new HashMap<>();

  /**
   * @param maxMessageBytes the largest request message the gRPC server takes; the gateway refuses
   *     larger ones as etcd's gRPC client does
   */
  Gateway(Channel channel, int maxMessageBytes) {
    this.channel = channel;
    this.maxMessageBytes = maxMessageBytes;
    Map<String, MethodDescriptor<Message, Message>> byName = new HashMap<>();
    for (ServiceDescriptor s :
        List.of(
            KVGrpc.getServiceDescriptor(),
            WatchGrpc.getServiceDescriptor(),
            LeaseGrpc.getServiceDescriptor(),
            ClusterGrpc.getServiceDescriptor(),
            MaintenanceGrpc.getServiceDescriptor(),
            AuthGrpc.getServiceDescriptor(),
            ElectionGrpc.getServiceDescriptor(),
            LockGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        @SuppressWarnings("unchecked")
        MethodDescriptor<Message, Message> typed = (MethodDescriptor<Message, Message>) m;
        byName.put(m.getFullMethodName(), typed);
      }
    }
    PATHS.forEach((path, method) -> methods.put(path, byName.get(method)));
  }

  /** The gateway's paths, from etcd's rpc.proto google.api.http options. */
  private static final Map<String, String> PATHS = new HashMap<>();

  static {
    kv("range", "Range");
    kv("put", "Put");
    kv("deleterange", "DeleteRange");
    kv("txn", "Txn");
    kv("compaction", "Compact");
    PATHS.put("/v3/watch", "etcdserverpb.Watch/Watch");
    PATHS.put("/v3/lease/grant", "etcdserverpb.Lease/LeaseGrant");
    PATHS.put("/v3/lease/revoke", "etcdserverpb.Lease/LeaseRevoke");
    PATHS.put("/v3/kv/lease/revoke", "etcdserverpb.Lease/LeaseRevoke");
    PATHS.put("/v3/lease/keepalive", "etcdserverpb.Lease/LeaseKeepAlive");
    PATHS.put("/v3/lease/timetolive", "etcdserverpb.Lease/LeaseTimeToLive");
    PATHS.put("/v3/kv/lease/timetolive", "etcdserverpb.Lease/LeaseTimeToLive");
    PATHS.put("/v3/lease/leases", "etcdserverpb.Lease/LeaseLeases");
    PATHS.put("/v3/kv/lease/leases", "etcdserverpb.Lease/LeaseLeases");
    for (String[] m :
        new String[][] {
          {"add", "MemberAdd"},
          {"remove", "MemberRemove"},
          {"update", "MemberUpdate"},
          {"list", "MemberList"},
          {"promote", "MemberPromote"}
        }) {
      PATHS.put("/v3/cluster/member/" + m[0], "etcdserverpb.Cluster/" + m[1]);
    }
    for (String[] m :
        new String[][] {
          {"alarm", "Alarm"},
          {"status", "Status"},
          {"defragment", "Defragment"},
          {"hash", "Hash"},
          {"hashkv", "HashKV"},
          {"snapshot", "Snapshot"},
          {"transfer-leadership", "MoveLeader"},
          {"downgrade", "Downgrade"}
        }) {
      PATHS.put("/v3/maintenance/" + m[0], "etcdserverpb.Maintenance/" + m[1]);
    }
    for (String[] m :
        new String[][] {
          {"enable", "AuthEnable"},
          {"disable", "AuthDisable"},
          {"status", "AuthStatus"},
          {"authenticate", "Authenticate"},
          {"user/add", "UserAdd"},
          {"user/get", "UserGet"},
          {"user/list", "UserList"},
          {"user/delete", "UserDelete"},
          {"user/changepw", "UserChangePassword"},
          {"user/grant", "UserGrantRole"},
          {"user/revoke", "UserRevokeRole"},
          {"role/add", "RoleAdd"},
          {"role/get", "RoleGet"},
          {"role/list", "RoleList"},
          {"role/delete", "RoleDelete"},
          {"role/grant", "RoleGrantPermission"},
          {"role/revoke", "RoleRevokePermission"}
        }) {
      PATHS.put("/v3/auth/" + m[0], "etcdserverpb.Auth/" + m[1]);
    }
    for (String m : List.of("campaign", "proclaim", "leader", "observe", "resign")) {
      PATHS.put(
          "/v3/election/" + m,
          "v3electionpb.Election/" + Character.toUpperCase(m.charAt(0)) + m.substring(1));
    }
    PATHS.put("/v3/lock/lock", "v3lockpb.Lock/Lock");
    PATHS.put("/v3/lock/unlock", "v3lockpb.Lock/Unlock");
  }

  private static void kv(String path, String method) {
    PATHS.put("/v3/kv/" + path, "etcdserverpb.KV/" + method);
  }

  /** Whether {@code path} is the gateway's ({@code /v3/} or its old {@code /v3beta/} name). */
  static boolean serves(String path) {
    return path.startsWith("/v3/") || path.startsWith("/v3beta/");
  }

  CompletableFuture<HttpAnswer> answer(HttpCall call) {
    String path =
        call.path().startsWith("/v3beta/") ? "/v3/" + call.path().substring(8) : call.path();
    MethodDescriptor<Message, Message> method = methods.get(path);
    if (method == null) {
      return CompletableFuture.completedFuture(HttpAnswer.error(404, "Not Found"));
    }
    if (!call.method().equals("POST")) {
      return CompletableFuture.completedFuture(HttpAnswer.error(405, "Method Not Allowed"));
    }
    List<Message> requests;
    try {
      requests = requests(method, call.body());
    } catch (InvalidProtocolBufferException | JsonParseException e) {
      return CompletableFuture.completedFuture(
          failure(Status.INVALID_ARGUMENT.withDescription(describe(e))));
    }
    for (Message m : requests) {
      int size = m.getSerializedSize();
      if (size > maxMessageBytes) {
        return CompletableFuture.completedFuture(
            failure(
                Status.RESOURCE_EXHAUSTED.withDescription(
                    "grpc: received message larger than max ("
                        + size
                        + " vs. "
                        + maxMessageBytes
                        + ")")));
      }
    }
    Metadata headers = new Metadata();
    String token = call.headers().get("authorization");
    if (token != null) {
      headers.put(AUTHORIZATION, token);
    }
    Channel withHeaders =
        io.grpc.ClientInterceptors.intercept(
            channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
    ClientCall<Message, Message> rpc = withHeaders.newCall(method, CallOptions.DEFAULT);
    return switch (method.getType()) {
      case UNARY -> unary(rpc, requests.get(0));
      default -> CompletableFuture.completedFuture(stream(method, rpc, requests));
    };
  }

  private static List<Message> requests(MethodDescriptor<Message, Message> method, byte[] body)
      throws InvalidProtocolBufferException {
    Message prototype =
        (Message)
            ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
                .getMessagePrototype();
    String text = new String(body, StandardCharsets.UTF_8);
    List<Message> out = new ArrayList<>();
    if (method.getType().clientSendsOneMessage()) {
      Message.Builder b = prototype.newBuilderForType();
      if (!text.isBlank()) {
        notAnObject(text);
        goChecks(com.google.gson.JsonParser.parseString(text), prototype.getDescriptorForType());
        PARSER.merge(text, b);
      }
      out.add(b.build());
      return out;
    }
    // A client stream's body is a sequence of JSON objects, one request each.
    JsonStreamParser p = new JsonStreamParser(new StringReader(text));
    while (p.hasNext()) {
      JsonElement e = p.next();
      Message.Builder b = prototype.newBuilderForType();
      PARSER.merge(e.toString(), b);
      out.add(b.build());
    }
    return out;
  }

  /**
   * Finds the field values Go's decoder refuses before the proto parser would, and refuses them in
   * Go's words: a bytes field that is not base64 ("illegal base64 data at input byte N"), a quoted
   * integer that is no number.
   */
  private static void goChecks(JsonElement e, com.google.protobuf.Descriptors.Descriptor type) {
    if (!e.isJsonObject()) {
      return;
    }
    for (var f : e.getAsJsonObject().entrySet()) {
      var field = type.findFieldByName(f.getKey());
      if (field == null) {
        for (var candidate : type.getFields()) {
          if (candidate.getJsonName().equals(f.getKey())) {
            field = candidate;
          }
        }
      }
      if (field == null) {
        continue;
      }
      List<JsonElement> values = new ArrayList<>();
      if (f.getValue().isJsonArray()) {
        f.getValue().getAsJsonArray().forEach(values::add);
      } else {
        values.add(f.getValue());
      }
      for (JsonElement v : values) {
        if (field.getType() == FieldDescriptor.Type.BYTES
            && v.isJsonPrimitive()
            && v.getAsJsonPrimitive().isString()) {
          int bad = firstBadBase64Byte(v.getAsString());
          if (bad >= 0) {
            throw new JsonParseException("illegal base64 data at input byte " + bad);
          }
        } else if (field.getType() == FieldDescriptor.Type.MESSAGE) {
          goChecks(v, field.getMessageType());
        } else if ((field.getJavaType() == FieldDescriptor.JavaType.LONG
                || field.getJavaType() == FieldDescriptor.JavaType.INT)
            && v.isJsonPrimitive()
            && v.getAsJsonPrimitive().isString()) {
          // Go unquotes a quoted integer and reads what is inside as JSON.
          String inner = v.getAsString();
          if (inner.isEmpty()) {
            throw new JsonParseException("unexpected end of JSON input");
          }
          char c = inner.charAt(0);
          if (c != '-' && (c < '0' || c > '9')) {
            throw new JsonParseException(
                "invalid character '" + c + "' looking for beginning of value");
          }
        }
      }
    }
  }

  /** The index of the first byte base64 cannot take, or -1 when the text decodes. */
  static int firstBadBase64Byte(String s) {
    int n = s.length();
    int data = n;
    while (data > 0 && s.charAt(data - 1) == '=') {
      data--;
    }
    for (int i = 0; i < data; i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '+'
              || c == '/'
              || c == '-'
              || c == '_';
      if (!ok) {
        return i;
      }
    }
    if (n - data > 2 || (n % 4 != 0 && n != data)) {
      return data;
    }
    return -1;
  }

  /** Go's decoder refuses a body that is valid JSON but no object, in its own words. */
  private static void notAnObject(String text) {
    JsonElement e;
    try {
      e = com.google.gson.JsonParser.parseString(text);
    } catch (JsonParseException malformed) {
      return; // the proto parser explains it
    }
    String kind =
        e.isJsonArray()
            ? "array"
            : e.isJsonNull()
                ? null
                : e.isJsonPrimitive()
                    ? (e.getAsJsonPrimitive().isString()
                        ? "string"
                        : e.getAsJsonPrimitive().isBoolean() ? "bool" : "number")
                    : null;
    if (kind != null) {
      throw new JsonParseException(
          "json: cannot unmarshal " + kind + " into Go value of type map[string]json.RawMessage");
    }
  }

  private static CompletableFuture<HttpAnswer> unary(ClientCall<Message, Message> rpc, Message r) {
    CompletableFuture<HttpAnswer> f = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        rpc,
        r,
        new StreamObserver<>() {
          @Override
          public void onNext(Message m) {
            f.complete(success(print(m)));
          }

          @Override
          public void onError(Throwable t) {
            f.complete(failure(Status.fromThrowable(t)));
          }

          @Override
          public void onCompleted() {}
        });
    return f;
  }

  private static HttpAnswer stream(
      MethodDescriptor<Message, Message> method,
      ClientCall<Message, Message> rpc,
      List<Message> requests) {
    HttpAnswer.BodyStream body =
        sink -> {
          ClientResponseObserver<Message, Message> responses =
              new ClientResponseObserver<>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<Message> requestStream) {
                  sink.onClose(() -> requestStream.cancel("HTTP client went away", null));
                }

                @Override
                public void onNext(Message m) {
                  sink.send(
                      200, ("{\"result\":" + print(m) + "}\n").getBytes(StandardCharsets.UTF_8));
                }

                @Override
                public void onError(Throwable t) {
                  Status s = Status.fromThrowable(t);
                  if (s.getCode() == Status.Code.CANCELLED && !sink.isOpen()) {
                    return;
                  }
                  int http = httpStatus(s.getCode());
                  sink.send(
                      http,
                      ("{\"error\":{\"grpc_code\":"
                              + s.getCode().value()
                              + ",\"http_code\":"
                              + http
                              + ",\"message\":\""
                              + JsonText.escape(description(s))
                              + "\",\"http_status\":\""
                              + JsonText.escape(reason(http))
                              + "\"}}\n")
                          .getBytes(StandardCharsets.UTF_8));
                  sink.end();
                }

                @Override
                public void onCompleted() {
                  sink.end();
                }
              };
          if (method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
            ClientCalls.asyncServerStreamingCall(
                rpc, requests.isEmpty() ? null : requests.get(0), responses);
          } else {
            StreamObserver<Message> out = ClientCalls.asyncBidiStreamingCall(rpc, responses);
            requests.forEach(out::onNext);
            // The request stream stays open: a watch or keep-alive lasts as long as the connection.
          }
        };
    return HttpAnswer.streaming(HttpAnswer.JSON, body);
  }

  private static String print(Message m) {
    try {
      return PRINTER.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpAnswer success(String json) {
    return new HttpAnswer(
        200,
        HttpAnswer.JSON,
        json.getBytes(StandardCharsets.UTF_8),
        Map.of("Grpc-Metadata-Content-Type", "application/grpc"));
  }

  /** grpc-gateway's error body, with the HTTP status of the gRPC code. */
  static HttpAnswer failure(Status s) {
    String d = JsonText.escape(description(s));
    return HttpAnswer.json(
        httpStatus(s.getCode()),
        "{\"error\":\"" + d + "\",\"message\":\"" + d + "\",\"code\":" + s.getCode().value() + "}");
  }

  private static String description(Status s) {
    return s.getDescription() == null ? "" : s.getDescription();
  }

  private static String describe(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    // Go's decoder names a cut-off body this way; clients and scripts grep for it.
    if (m.contains("EOF") || m.contains("End of input")) {
      return "unexpected EOF";
    }
    return m;
  }

  /** grpc-gateway's HTTPStatusFromCode. */
  static int httpStatus(Status.Code c) {
    return switch (c) {
      case OK -> 200;
      case CANCELLED -> 408;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
      // etcd 3.5's grpc-gateway (v1.16) maps FailedPrecondition to 400, not 412 as 3.4's did.
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case DEADLINE_EXCEEDED -> 504;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PERMISSION_DENIED -> 403;
      case UNAUTHENTICATED -> 401;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
    };
  }

  private static String reason(int http) {
    return io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus.valueOf(http)
        .reasonPhrase();
  }
}
