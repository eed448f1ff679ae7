package dev.cairn.store.cli;

import dev.cairn.store.raft.Message;
import dev.cairn.store.server.SnapshotStream;
import dev.cairn.store.server.StoreServer;
import dev.cairn.store.transport.Inbound;
import dev.cairn.store.transport.SnapshotSource;
import java.io.FilterInputStream;
import java.io.IOException;

/**
 * Hands what peers send to the member's server. The transport exists before the server that uses
 * it, so the server is attached once built; anything earlier is dropped, as Raft tolerates.
 */
final class InboundRelay implements Inbound, SnapshotSource {
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

  @Override
  public void snapshotSent(long peerId, boolean delivered) {
    StoreServer s = server;
    if (s != null) {
      s.snapshotSent(peerId, delivered);
    }
  }

  /** The member's key space as a snapshot file, for a peer too far behind for the log. */
  @Override
  public Payload open() throws IOException {
    StoreServer s = server;
    if (s == null) {
      throw new IOException("the member is not running yet");
    }
    SnapshotStream snap = s.snapshot();
    return new Payload(
        new FilterInputStream(snap.in()) {
          @Override
          public void close() throws IOException {
            snap.close(); // also deletes the file
          }
        },
        snap.size());
  }
}
