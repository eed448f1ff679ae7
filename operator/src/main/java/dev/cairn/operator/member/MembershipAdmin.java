package dev.cairn.operator.member;

import dev.cairn.operator.model.StoreClusterModel;

/**
 * Changes a running cluster's membership over the etcd API. Each call is one etcd request (or a
 * read and one request); a failure throws {@link MembershipException} and the reconciler retries on
 * a later pass, so every call is safe to repeat.
 */
public interface MembershipAdmin {
  /** For a reconciler that never changes membership (tests without members). */
  MembershipAdmin NONE =
      new MembershipAdmin() {
        @Override
        public long addLearner(StoreClusterModel cluster, String peerUrl) {
          throw new MembershipException("no membership admin");
        }

        @Override
        public boolean promote(StoreClusterModel cluster, long id) {
          throw new MembershipException("no membership admin");
        }

        @Override
        public void remove(StoreClusterModel cluster, long id) {
          throw new MembershipException("no membership admin");
        }

        @Override
        public void moveLeader(StoreClusterModel cluster, String leaderClientUrl, long to) {
          throw new MembershipException("no membership admin");
        }
      };

  /**
   * Adds a learner with {@code peerUrl}, unless a member with that peer URL exists already.
   *
   * @return the member id, new or existing
   */
  long addLearner(StoreClusterModel cluster, String peerUrl);

  /**
   * Promotes learner {@code id}.
   *
   * @return false while it has not caught up with the leader (etcd's "can only promote a learner
   *     member which is in sync with leader"): try again later
   */
  boolean promote(StoreClusterModel cluster, long id);

  /** Removes member {@code id}; a member already gone is no error. */
  void remove(StoreClusterModel cluster, long id);

  /** Asks the leader, at {@code leaderClientUrl}, to hand leadership to member {@code to}. */
  void moveLeader(StoreClusterModel cluster, String leaderClientUrl, long to);

  /** A membership call failed; the next pass tries again. */
  final class MembershipException extends RuntimeException {
    public MembershipException(String message) {
      super(message);
    }

    public MembershipException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
