package dev.cairn.store.cli;

import dev.cairn.store.raft.Message;
import dev.cairn.store.server.StoreServer;
import dev.cairn.store.transport.Inbound;

/**
 * Hands what peers send to the member's server. The transport exists before the server that uses
 * it, so the server is attached once built; anything earlier is dropped, as Raft tolerates.
 */
final class InboundRelay implements Inbound {
  private volatile StoreServer server;

  void deliverTo(StoreServer server) {
    this.server = server;
  }

  @Override
  public void receive(Message m) {
    StoreServer s = server;
    if (s != null) {
      s.receive(m);
    }
  }

  @Override
  public void unreachable(long peerId) {
    StoreServer s = server;
    if (s != null) {
      s.unreachable(peerId);
    }
  }
}
