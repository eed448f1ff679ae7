package dev.cairn.store.compat;

import com.google.protobuf.Message;

/**
 * One request of a differential run.
 *
 * @param rpc which KV method receives it
 * @param request the request message, sent unchanged to both servers
 * @param label what the request exercises, for failure messages and coverage
 * @param codeOnly compare only the status code of a failure (the gRPC layer's own refusals, whose
 *     texts differ between grpc-go and grpc-java)
 */
record KvOp(Rpc rpc, Message request, String label, boolean codeOnly) {
  enum Rpc {
    RANGE,
    PUT,
    DELETE_RANGE,
    TXN,
    COMPACT
  }

  KvOp(Rpc rpc, Message request, String label) {
    this(rpc, request, label, false);
  }
}
