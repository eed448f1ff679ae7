package dev.cairn.store.transport;

import dev.cairn.store.raft.Message;

/**
 * Where the transport hands what it learns to its user, typically the thread that drives Raft.
 * Methods are called from transport threads (never from within {@code send}) and must not block for
 * long: a slow {@link #receive} holds back the stream it came on.
 */
public interface Inbound {
  /**
   * A message from a peer, addressed to this member. Messages of one stream arrive in order. A
   * {@link Message.Type#SNAPSHOT} message arrives once its file is complete, checked and synced:
   * its snapshot's {@code data} is then the file's absolute path in UTF-8, and the file is the
   * receiver's to delete once installed (or refused).
   */
  void receive(Message m);

  /** Sending to this peer failed or its queue overflowed: messages to it were lost. */
  void unreachable(long peerId);

  /**
   * The outcome of a SNAPSHOT message sent to this peer: {@code delivered} when the peer has the
   * file and has handed it to its Raft, false when the transfer failed anywhere along the way, and
   * Raft should send another snapshot later. Called exactly once per snapshot the transport took on
   * (not for one dropped because another to the same peer was in flight).
   */
  void snapshotSent(long peerId, boolean delivered);
}
