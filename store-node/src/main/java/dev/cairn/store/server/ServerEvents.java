package dev.cairn.store.server;

/**
 * What the member tells its observers as it runs: the events etcd counts in its server, disk and
 * proposal metrics. Called on the member's own threads; implementations must be quick.
 */
public interface ServerEvents {
  /** A leader, other than the one before, is known. */
  void leaderChanged();

  /** A proposal ended without being applied (timeout, leader change, refused). */
  void proposalFailed();

  /** Log entries and state were written and synced, taking {@code nanos}. */
  void logSynced(long nanos);

  /** A heartbeat to {@code peer} was answered after {@code nanos} (leader only). */
  default void peerRoundTrip(long peer, long nanos) {}

  /**
   * A batch of committed entries was applied in one key-space transaction, taking {@code nanos}.
   */
  void applied(long nanos);

  ServerEvents NONE =
      new ServerEvents() {
        @Override
        public void leaderChanged() {}

        @Override
        public void proposalFailed() {}

        @Override
        public void logSynced(long nanos) {}

        @Override
        public void applied(long nanos) {}
      };
}
