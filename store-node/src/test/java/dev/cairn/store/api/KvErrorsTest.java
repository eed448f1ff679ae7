package dev.cairn.store.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.CompactionRequest;
import dev.cairn.proto.etcdserverpb.Compare;
import dev.cairn.proto.etcdserverpb.DeleteRangeRequest;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import dev.cairn.store.testing.InProcessMember;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets etcd's exact code and message, and changes nothing: after every test the member
 * still serves and still holds the key written first.
 */
class KvErrorsTest {
  @TempDir static Path dir;
  private static InProcessMember member;
  private static ManagedChannel channel;
  private static KVGrpc.KVBlockingStub kv;

  @BeforeAll
  static void start() throws Exception {
    member = new InProcessMember(dir);
    channel = member.channel();
    kv = KVGrpc.newBlockingStub(channel);
    kv.put(put("sentinel", "kept"));
  }

  @AfterAll
  static void stop() {
    assertThat(
            kv.range(RangeRequest.newBuilder().setKey(bs("sentinel")).build()).getKvs(0).getValue())
        .isEqualTo(bs("kept"));
    channel.shutdownNow();
    member.close();
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static PutRequest put(String k, String v) {
    return PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v)).build();
  }

  private static RequestOp putOp(String k) {
    return RequestOp.newBuilder().setRequestPut(put(k, "v")).build();
  }

  private static void assertError(Supplier<?> call, Status.Code code, String message) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::get);
    assertThat(e).as("expected %s %s", code, message).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    if (message != null) {
      assertThat(e.getStatus().getDescription()).isEqualTo(message);
    }
  }

  @Test
  void emptyKeys() {
    String msg = "etcdserver: key is not provided";
    assertError(
        () -> kv.range(RangeRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, msg);
    assertError(() -> kv.put(put("", "v")), Status.Code.INVALID_ARGUMENT, msg);
    assertError(
        () -> kv.deleteRange(DeleteRangeRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT,
        msg);
    assertError(
        () -> kv.txn(TxnRequest.newBuilder().addCompare(Compare.getDefaultInstance()).build()),
        Status.Code.INVALID_ARGUMENT,
        msg);
    assertError(
        () ->
            kv.txn(
                TxnRequest.newBuilder()
                    .addSuccess(
                        RequestOp.newBuilder().setRequestRange(RangeRequest.getDefaultInstance()))
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        msg);
  }

  @Test
  void putOptionsThatContradictTheRequest() {
    assertError(
        () -> kv.put(put("k", "v").toBuilder().setIgnoreValue(true).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: value is provided");
    assertError(
        () -> kv.put(put("k", "v").toBuilder().setIgnoreLease(true).setLease(5).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: lease is provided");
    assertError(
        () -> kv.put(PutRequest.newBuilder().setKey(bs("missing")).setIgnoreValue(true).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: key not found");
    assertError(
        () -> kv.put(put("k", "v").toBuilder().setLease(12345).build()),
        Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found");
  }

  @Test
  void transactionRules() {
    TxnRequest.Builder tooMany = TxnRequest.newBuilder();
    for (int i = 0; i <= InProcessMember.MAX_TXN_OPS; i++) {
      tooMany.addSuccess(putOp("k" + i));
    }
    assertError(
        () -> kv.txn(tooMany.build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: too many operations in txn request");
    assertError(
        () -> kv.txn(TxnRequest.newBuilder().addSuccess(putOp("a")).addSuccess(putOp("a")).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: duplicate key given in txn request");
    assertError(
        () ->
            kv.txn(
                TxnRequest.newBuilder()
                    .addSuccess(
                        RequestOp.newBuilder()
                            .setRequestDeleteRange(
                                DeleteRangeRequest.newBuilder()
                                    .setKey(bs("a"))
                                    .setRangeEnd(bs("c"))))
                    .addSuccess(putOp("b"))
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: duplicate key given in txn request");
    assertError(
        () -> kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.getDefaultInstance()).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: key not found");
  }

  @Test
  void revisionsOutsideHistory() {
    long rev = kv.put(put("h", "1")).getHeader().getRevision();
    kv.put(put("h", "2"));
    assertError(
        () -> kv.range(RangeRequest.newBuilder().setKey(bs("h")).setRevision(rev + 1000).build()),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision is a future revision");
    kv.compact(CompactionRequest.newBuilder().setRevision(rev + 1).build());
    assertError(
        () -> kv.range(RangeRequest.newBuilder().setKey(bs("h")).setRevision(rev).build()),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision has been compacted");
    assertError(
        () -> kv.compact(CompactionRequest.newBuilder().setRevision(rev).build()),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision has been compacted");
    assertError(
        () -> kv.compact(CompactionRequest.newBuilder().setRevision(rev + 1000).build()),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision is a future revision");
  }

  @Test
  void unknownSortEnumsAreRefusedAsEtcdThreeSixDoes() {
    assertError(
        () -> kv.range(RangeRequest.newBuilder().setKey(bs("a")).setSortOrderValue(42).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: invalid sort option");
    assertError(
        () -> kv.range(RangeRequest.newBuilder().setKey(bs("a")).setSortTargetValue(42).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: invalid sort option");
  }

  @Test
  void oversizedRequests() {
    String justTooBig = "x".repeat(InProcessMember.MAX_REQUEST_BYTES);
    assertError(
        () -> kv.put(put("big", justTooBig)),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: request is too large");
    String wayTooBig = "x".repeat(InProcessMember.MAX_REQUEST_BYTES + 600 * 1024);
    assertError(() -> kv.put(put("huge", wayTooBig)), Status.Code.RESOURCE_EXHAUSTED, null);
    assertThat(kv.range(RangeRequest.newBuilder().setKey(bs("big")).build()).getCount()).isZero();
    // Just under the limit is accepted.
    String fits = "x".repeat(InProcessMember.MAX_REQUEST_BYTES - 100);
    assertThat(kv.put(put("fits", fits)).getHeader().getRevision()).isPositive();
  }

  @Test
  void malformedProtobufIsRefusedAndHarmless() {
    MethodDescriptor<byte[], byte[]> rawPut =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("etcdserverpb.KV/Put")
            .setRequestMarshaller(new RawBytes())
            .setResponseMarshaller(new RawBytes())
            .build();
    byte[] garbage = {(byte) 0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0x01};
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                ClientCalls.blockingUnaryCall(
                    channel, rawPut, io.grpc.CallOptions.DEFAULT, garbage));
    // grpc-java closes such a call as UNKNOWN where grpc-go says INTERNAL; clients see a failure.
    assertThat(e.getStatus().getCode()).isIn(Status.Code.INTERNAL, Status.Code.UNKNOWN);
    assertThat(kv.put(put("after-garbage", "ok")).getHeader().getRevision()).isPositive();
  }

  @Test
  void unknownMethodsAreUnimplemented() {
    MethodDescriptor<byte[], byte[]> rangeStream =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("etcdserverpb.KV/RangeStream")
            .setRequestMarshaller(new RawBytes())
            .setResponseMarshaller(new RawBytes())
            .build();
    assertError(
        () ->
            ClientCalls.blockingUnaryCall(
                channel, rangeStream, io.grpc.CallOptions.DEFAULT, new byte[0]),
        Status.Code.UNIMPLEMENTED,
        null);
  }

  private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
