package dev.cairn.operator.planning;

/** One step of the membership plan. */
public sealed interface Step {
  /** Nothing to do: the cluster is as the spec asks. */
  record None() implements Step {}

  /** Nothing to do now; {@code reason} says what is awaited. */
  record Wait(String reason) implements Step {}

  /** Fewer healthy voters than a quorum: report, and change nothing. */
  record QuorumLost(long healthyVoters, int voters) implements Step {}

  /** Add {@code name} as a learner over the etcd API, then start its pod (state existing). */
  record AddLearner(String name) implements Step {}

  /** Promote the learner {@code name} (retrying etcd's "not ready" until it has caught up). */
  record Promote(String name) implements Step {}

  /** Remove {@code name} from the cluster, then delete its pod and release its volume. */
  record Remove(String name, String reason) implements Step {}

  /** Move leadership from {@code from} to {@code to} before {@code from} is disturbed. */
  record MoveLeader(String from, String to) implements Step {}

  /** Start the pod of an existing member again, with its identity and volume. */
  record StartPod(String name) implements Step {}

  /** Restart {@code name} on {@code version}. */
  record Upgrade(String name, String version) implements Step {}
}
