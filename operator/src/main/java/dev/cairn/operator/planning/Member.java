package dev.cairn.operator.planning;

import java.time.Duration;

/**
 * One member as observed: its pod and volume from Kubernetes, its place in the cluster from the
 * etcd API.
 *
 * @param name the member's (and pod's) name, e.g. {@code demo-2}
 * @param ordinal its index, the number after the last dash
 * @param id its member id, or 0 when the cluster does not list it
 * @param learner whether it is a learner
 * @param podExists whether its pod exists
 * @param volumeLost whether its data is gone or unusable (volume deleted, data dir corrupt)
 * @param healthy whether it answers its health check
 * @param caughtUp for a learner, whether its log is close enough to the leader's to be promoted
 * @param unhealthyFor how long it has been unhealthy (zero when healthy)
 * @param version the pod template its pod runs (its hash); the desired one when it has no pod
 */
public record Member(
    String name,
    int ordinal,
    long id,
    boolean learner,
    boolean podExists,
    boolean volumeLost,
    boolean healthy,
    boolean caughtUp,
    Duration unhealthyFor,
    String version) {}
