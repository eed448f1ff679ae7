package dev.cairn.store.raft;

/**
 * How a Raft node behaves. Times are in ticks of the caller's clock.
 *
 * @param electionTick ticks without a leader's word before a follower campaigns; the actual timeout
 *     is drawn at random from [electionTick, 2 * electionTick) each time
 * @param heartbeatTick ticks between a leader's heartbeats
 * @param maxSizePerMsg bytes of entries in one append message (at least one entry is always sent)
 * @param maxInflight append messages sent to a follower and not yet acknowledged
 * @param preVote whether to ask for votes without raising the term first, so a member that was cut
 *     off cannot disrupt a healthy leader when it returns
 * @param checkQuorum whether a leader steps down when it has not heard from a quorum in an election
 *     timeout, and followers ignore votes while they hear from a leader
 */
public record RaftConfig(
    long id,
    int electionTick,
    int heartbeatTick,
    long maxSizePerMsg,
    int maxInflight,
    boolean preVote,
    boolean checkQuorum) {

  public RaftConfig {
    if (id == 0) {
      throw new IllegalArgumentException("a Raft node's id must not be 0");
    }
    if (heartbeatTick <= 0 || electionTick <= heartbeatTick) {
      throw new IllegalArgumentException(
          "the election tick ("
              + electionTick
              + ") must be greater than the heartbeat tick ("
              + heartbeatTick
              + ")");
    }
    if (maxInflight <= 0) {
      throw new IllegalArgumentException("maxInflight must be positive");
    }
  }

  /**
   * etcd's defaults: election after 10 ticks, heartbeat every tick, 1 MiB messages, 256 in flight.
   */
  public static RaftConfig defaults(long id) {
    return new RaftConfig(id, 10, 1, 1 << 20, 256, true, true);
  }
}
