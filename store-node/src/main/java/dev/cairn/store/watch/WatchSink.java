package dev.cairn.store.watch;

import dev.cairn.proto.mvccpb.Event;
import java.util.List;

/** Where a watcher's responses go: one client stream, which may hold several watchers. */
public interface WatchSink {
  /**
   * Queues events for a watcher.
   *
   * @param revision the revision the response reports in its header
   * @return false when the stream cannot take more now; the watcher then falls behind and catches
   *     up from history once {@link #hasRoom()} is true again
   */
  boolean events(long watchId, List<Event> events, long revision);

  /** Tells the watcher its start lies before the compacted revision; the watch is over. */
  void compacted(long watchId, long compactRevision);

  /** A progress notification: every event up to {@code revision} has been sent. */
  void progress(long watchId, long revision);

  /** Whether the stream can take more events now. */
  boolean hasRoom();
}
