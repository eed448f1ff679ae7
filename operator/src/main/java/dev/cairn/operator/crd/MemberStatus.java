package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One member as the cluster reports it.
 *
 * @param name the member's name (its pod's name)
 * @param id the member id in hex, as etcdctl prints it
 * @param role {@code leader}, {@code follower} or {@code learner}
 * @param healthy whether the member answered and reported no error
 * @param clientURL the first client URL the member advertises
 * @param unhealthySince when the operator first saw it unhealthy, RFC 3339; null while healthy
 * @param volume the uid of the PersistentVolumeClaim the member was last seen healthy on: a claim
 *     with another uid means the member's data is gone
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MemberStatus(
    String name,
    String id,
    String role,
    Boolean healthy,
    String clientURL,
    String unhealthySince,
    String volume) {
  public static final String LEADER = "leader";
  public static final String FOLLOWER = "follower";
  public static final String LEARNER = "learner";
}
