package dev.cairn.store.transport;

import dev.cairn.store.raft.Message;

/**
 * Where the transport hands what it learns to its user, typically the thread that drives Raft.
 * Methods are called from transport threads (never from within {@code send}) and must not block for
 * long: a slow {@link #receive} holds back the stream it came on.
 */
public interface Inbound {
  /** A message from a peer, addressed to this member. Messages of one stream arrive in order. */
  void receive(Message m);

  /** Sending to this peer failed or its queue overflowed: messages to it were lost. */
  void unreachable(long peerId);
}
