package dev.cairn.store.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.cairn.proto.etcdserverpb.CompactionRequest;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RangeResponse;
import dev.cairn.proto.etcdserverpb.ResponseHeader;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.testing.EtcdRef;
import dev.cairn.store.testing.StoreNodeProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sends the same seeded stream of KV requests to a real etcd and to Cairn and requires the same
 * answer to every one: equal responses (apart from the cluster id, member id and raft term of each
 * header) or the same gRPC status code and description.
 *
 * <p>Reproduce a failure with {@code -Dcairn.kvdiff.seed=SEED} (and {@code -Dcairn.kvdiff.ops=N}
 * for a longer or shorter stream).
 */
class KvDifferentialTest {
  private static final int OPS = Integer.getInteger("cairn.kvdiff.ops", 600);
  private static final int PRINT_LIMIT = 3000;

  /** Every error etcd's KV service answers that the stream must provoke at least once. */
  private static final List<String> EXPECTED_ERRORS =
      List.of(
          "INVALID_ARGUMENT: etcdserver: key is not provided",
          "INVALID_ARGUMENT: etcdserver: key not found",
          "INVALID_ARGUMENT: etcdserver: value is provided",
          "INVALID_ARGUMENT: etcdserver: lease is provided",
          "INVALID_ARGUMENT: etcdserver: too many operations in txn request",
          "INVALID_ARGUMENT: etcdserver: duplicate key given in txn request",
          "INVALID_ARGUMENT: etcdserver: request is too large",
          "OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted",
          "OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision",
          "NOT_FOUND: etcdserver: requested lease not found",
          "RESOURCE_EXHAUSTED");

  /** Features of requests the stream must exercise at least once. */
  private static final List<String> EXPECTED_FEATURES =
      List.of(
          "span/single-key",
          "span/key-to-end",
          "span/end-not-after-key",
          "span/prefix",
          "span/prefix-of-0xff",
          "span/from-key",
          "span/all-keys",
          "rev/current",
          "rev/historical",
          "rev/at-compaction",
          "rev/compacted",
          "rev/future",
          "rev/negative",
          "range/limit",
          "range/negative-limit",
          "range/max-limit",
          "range/serializable",
          "range/keys-only",
          "range/count-only",
          "range/min-mod",
          "range/max-mod",
          "range/min-create",
          "range/max-create",
          "put/prev-kv",
          "put/ignore-value",
          "put/ignore-lease",
          "put/lease",
          "delete/prev-kv",
          "compare/range-end",
          "compare/absent-key",
          "compare/mismatched-union",
          "compare/unset-union",
          "txn/nested",
          "compact/zero-first",
          "compact/zero-again",
          "compact/current",
          "compact/older-than-compacted",
          "compact/future",
          "compare/unknown-target",
          "compare/unknown-result");

  static LongStream seeds() {
    String fixed = System.getProperty("cairn.kvdiff.seed");
    if (fixed != null && !fixed.isBlank()) {
      return LongStream.of(Long.decode(fixed.trim()));
    }
    return LongStream.of(1L, 0xC0FFEEL, 20250611L);
  }

  /** One server's answer: a response with member-specific header fields cleared, or a status. */
  private record Outcome(Message response, Status.Code code, String description) {
    static Outcome of(Message m) {
      return new Outcome(normalize(m), null, null);
    }

    static Outcome of(StatusRuntimeException e) {
      return new Outcome(null, e.getStatus().getCode(), e.getStatus().getDescription());
    }

    boolean ok() {
      return response != null;
    }

    String errorKey() {
      return code == Status.Code.RESOURCE_EXHAUSTED ? code.name() : code + ": " + description;
    }

    boolean sameAs(Outcome o, boolean codeOnly) {
      if (ok() || o.ok()) {
        return ok() && o.ok() && response.equals(o.response);
      }
      return code == o.code && (codeOnly || java.util.Objects.equals(description, o.description));
    }

    @Override
    public String toString() {
      if (ok()) {
        return response.getClass().getSimpleName() + " { " + text(response) + " }";
      }
      return "status " + code + " \"" + description + "\"";
    }
  }

  /** The reference's state as the generator sees it, kept up to date from etcd's answers. */
  private static final class Reference implements KvOpGenerator.View {
    private final KVGrpc.KVBlockingStub etcd;
    long revision = 1;
    long compactRevision = -1;

    Reference(KVGrpc.KVBlockingStub etcd) {
      this.etcd = etcd;
    }

    @Override
    public long revision() {
      return revision;
    }

    @Override
    public long compactRevision() {
      return compactRevision;
    }

    @Override
    public KeyValue current(ByteString key) {
      RangeResponse r =
          etcd.withDeadlineAfter(10, TimeUnit.SECONDS)
              .range(RangeRequest.newBuilder().setKey(key).build());
      return r.getKvsCount() == 0 ? null : r.getKvs(0);
    }

    void observe(KvOp op, Outcome etcdOutcome) {
      if (!etcdOutcome.ok()) {
        return;
      }
      Message m = etcdOutcome.response();
      FieldDescriptor f = m.getDescriptorForType().findFieldByName("header");
      revision = ((ResponseHeader) m.getField(f)).getRevision();
      if (op.rpc() == KvOp.Rpc.COMPACT) {
        compactRevision = ((CompactionRequest) op.request()).getRevision();
      }
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void cairnAnswersEveryRequestLikeEtcd(long seed, @TempDir Path dir) throws Exception {
    System.out.printf("KvDifferentialTest: seed %d, %d operations%n", seed, OPS);
    Files.createDirectories(dir.resolve("cairn"));
    try (EtcdRef etcd = EtcdRef.start(dir.resolve("etcd"), 1);
        StoreNodeProcess cairn = StoreNodeProcess.start(dir.resolve("cairn"))) {
      ManagedChannel etcdChannel = channel(etcd.endpoint());
      ManagedChannel cairnChannel = channel(cairn.endpoint());
      try {
        run(seed, KVGrpc.newBlockingStub(etcdChannel), KVGrpc.newBlockingStub(cairnChannel));
      } finally {
        etcdChannel.shutdownNow();
        cairnChannel.shutdownNow();
      }
    }
  }

  private static ManagedChannel channel(String endpoint) {
    URI u = URI.create(endpoint);
    return ManagedChannelBuilder.forTarget(u.getHost() + ":" + u.getPort())
        .usePlaintext()
        .maxInboundMessageSize(16 << 20)
        .build();
  }

  private static void run(long seed, KVGrpc.KVBlockingStub etcd, KVGrpc.KVBlockingStub cairn) {
    Reference ref = new Reference(etcd);
    KvOpGenerator gen = new KvOpGenerator(seed, OPS, ref);
    Set<String> errorsSeen = new TreeSet<>();
    Map<String, int[]> stats = new TreeMap<>(); // per rpc: {ok, failed}
    Deque<String> recent = new ArrayDeque<>();
    Map<String, Integer> errorCounts = new TreeMap<>();
    long started = System.nanoTime();
    int n = 0;
    while (gen.hasNext()) {
      KvOp op = gen.next();
      Outcome fromEtcd = call(etcd, op);
      Outcome fromCairn = call(cairn, op);
      if (!fromEtcd.sameAs(fromCairn, op.codeOnly())) {
        fail(
            String.format(
                "Cairn answered differently from etcd at operation #%d (seed %d, %s)%n"
                    + "request: %s { %s }%n"
                    + "etcd:  %s%n"
                    + "cairn: %s%n"
                    + "preceding operations (oldest first):%n%s"
                    + "reproduce with -Dcairn.kvdiff.seed=%d",
                n,
                seed,
                op.label(),
                op.request().getClass().getSimpleName(),
                text(op.request()),
                fromEtcd,
                fromCairn,
                String.join("", recent),
                seed));
      }
      ref.observe(op, fromEtcd);
      int[] s = stats.computeIfAbsent(op.rpc().name(), k -> new int[2]);
      s[fromEtcd.ok() ? 0 : 1]++;
      if (!fromEtcd.ok()) {
        errorsSeen.add(fromEtcd.errorKey());
        errorCounts.merge(op.rpc() + " " + fromEtcd.errorKey(), 1, Integer::sum);
      }
      recent.addLast(
          String.format(
              "  #%d %s %s -> %s%n",
              n, op.label(), clip(text(op.request()), 240), clip(fromEtcd.toString(), 240)));
      if (recent.size() > 8) {
        recent.removeFirst();
      }
      n++;
    }
    StringBuilder summary = new StringBuilder();
    stats.forEach((k, v) -> summary.append(String.format(" %s %d ok/%d failed;", k, v[0], v[1])));
    System.out.printf(
        "KvDifferentialTest: seed %d: %d operations agreed in %d ms:%s final revision %d%n",
        seed, n, (System.nanoTime() - started) / 1_000_000, summary, ref.revision);

    errorCounts.forEach((k, v) -> System.out.printf("  %4d x %s%n", v, k));
    assertThat(n).as("operations run").isGreaterThanOrEqualTo(500);
    assertThat(errorsSeen).as("errors provoked (seed %d)", seed).containsAll(EXPECTED_ERRORS);
    assertThat(gen.features())
        .as("request features exercised (seed %d)", seed)
        .containsAll(EXPECTED_FEATURES);
    for (String order : List.of("NONE", "ASCEND", "DESCEND")) {
      for (String target : List.of("KEY", "VERSION", "CREATE", "MOD", "VALUE")) {
        assertThat(gen.features()).contains("sort/" + order + "/" + target);
      }
    }
    for (String target : List.of("VERSION", "CREATE", "MOD", "VALUE", "LEASE")) {
      for (String result : List.of("EQUAL", "GREATER", "LESS", "NOT_EQUAL")) {
        assertThat(gen.features()).contains("compare/" + target + "/" + result);
      }
    }
  }

  private static Outcome call(KVGrpc.KVBlockingStub kv, KvOp op) {
    KVGrpc.KVBlockingStub stub = kv.withDeadlineAfter(20, TimeUnit.SECONDS);
    try {
      Message resp =
          switch (op.rpc()) {
            case RANGE -> stub.range((RangeRequest) op.request());
            case PUT -> stub.put((PutRequest) op.request());
            case DELETE_RANGE -> stub.deleteRange((DeleteRangeRequest) op.request());
            case TXN -> stub.txn((TxnRequest) op.request());
            case COMPACT -> stub.compact((CompactionRequest) op.request());
          };
      return Outcome.of(resp);
    } catch (StatusRuntimeException e) {
      return Outcome.of(e);
    }
  }

  /**
   * The response with cluster_id, member_id and raft_term cleared in every header at any depth;
   * everything else, presence of each header included, is left as it came.
   */
  static Message normalize(Message m) {
    Message.Builder b = m.toBuilder();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (f.isRepeated()) {
        b.clearField(f);
        for (Object item : (List<?>) e.getValue()) {
          b.addRepeatedField(f, normalize((Message) item));
        }
      } else {
        b.setField(f, normalize((Message) e.getValue()));
      }
    }
    if (b instanceof ResponseHeader.Builder h) {
      h.clearClusterId().clearMemberId().clearRaftTerm();
    }
    return b.build();
  }

  private static String text(Message m) {
    return clip(TextFormat.printer().shortDebugString(m), PRINT_LIMIT);
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "... (" + s.length() + " chars)";
  }
}
