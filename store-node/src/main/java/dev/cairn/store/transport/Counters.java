package dev.cairn.store.transport;

import java.util.concurrent.atomic.LongAdder;

/** A transport's running totals, shared by its peer senders. */
final class Counters {
  final LongAdder messagesSent = new LongAdder();
  final LongAdder batchesSent = new LongAdder();
  final LongAdder messagesDropped = new LongAdder();
  final java.util.concurrent.ConcurrentHashMap<Long, LongAdder> bytesSent =
      new java.util.concurrent.ConcurrentHashMap<>();

  PeerTransport.Stats snapshot() {
    return new PeerTransport.Stats(messagesSent.sum(), batchesSent.sum(), messagesDropped.sum());
  }
}
