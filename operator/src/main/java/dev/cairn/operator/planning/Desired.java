package dev.cairn.operator.planning;

import java.time.Duration;

/**
 * What the spec asks for.
 *
 * @param replicas members wanted
 * @param version the pod template every member should run (its hash: image and settings)
 * @param replaceAfter how long a member may stay unhealthy, while the others keep quorum, before it
 *     is replaced; zero never replaces for unhealthiness
 * @param paused whether the operator is told to change nothing
 */
public record Desired(int replicas, String version, Duration replaceAfter, boolean paused) {}
