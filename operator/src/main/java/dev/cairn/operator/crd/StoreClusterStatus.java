package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.List;
import java.util.Optional;

/**
 * What the operator last saw of the cluster. Written only by the operator, in one patch per pass.
 *
 * @param observedGeneration the spec generation this status describes
 * @param conditions Available, Progressing and Degraded
 * @param members each member as the cluster reports it
 * @param leader the leader's name, or null when there is none
 * @param clusterId the cluster id in hex, latched once the cluster has formed
 * @param readyReplicas pods passing their readiness probe
 * @param replicas the desired number of members
 * @param ready {@code readyReplicas/replicas}, for the READY column
 * @param memberCount the number of members, learners included, for the MEMBERS column
 * @param selector the members' label selector, for the scale subresource
 * @param endpoint the client Service's DNS name and port
 * @param version the store-node version the members run
 * @param step the membership or upgrade step the operator is taking or waiting on; null when there
 *     is none
 * @param stepSince when that step began, RFC 3339
 * @param backup scheduled backups and the last one that succeeded; null without spec.backup
 * @param restoredFrom the backup the members restored at creation, latched once resolved
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StoreClusterStatus(
    Long observedGeneration,
    List<Condition> conditions,
    List<MemberStatus> members,
    String leader,
    String clusterId,
    @StatusReplicas Integer readyReplicas,
    Integer replicas,
    String ready,
    Integer memberCount,
    @LabelSelector String selector,
    String endpoint,
    String version,
    String step,
    String stepSince,
    BackupStatus backup,
    BackupLocation restoredFrom) {

  public StoreClusterStatus {
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
    members = members == null ? List.of() : List.copyOf(members);
  }

  /** The condition of the given type, if present. */
  public Optional<Condition> condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
  }

  /** A copy with the fields the {@code with} methods change; the rest stay. */
  private StoreClusterStatus with(
      List<Condition> newConditions, BackupStatus newBackup, BackupLocation newRestoredFrom) {
    return new StoreClusterStatus(
        observedGeneration,
        newConditions,
        members,
        leader,
        clusterId,
        readyReplicas,
        replicas,
        ready,
        memberCount,
        selector,
        endpoint,
        version,
        step,
        stepSince,
        newBackup,
        newRestoredFrom);
  }

  /** A copy with another backup status. */
  public StoreClusterStatus withBackup(BackupStatus newBackup) {
    return with(conditions, newBackup, restoredFrom);
  }

  /** A copy recording the backup the members restored. */
  public StoreClusterStatus withRestoredFrom(BackupLocation location) {
    return with(conditions, backup, location);
  }

  /** A copy with another set of conditions. */
  public StoreClusterStatus withConditions(List<Condition> newConditions) {
    return with(newConditions, backup, restoredFrom);
  }

  /**
   * Backups as the cluster's status shows them.
   *
   * @param lastScheduleTime the last schedule time a StoreBackup was made for, RFC 3339
   * @param nextScheduleTime when the next scheduled backup is due, RFC 3339
   * @param lastSuccessfulBackup the newest succeeded StoreBackup's name
   * @param lastSuccessfulTime when it completed, RFC 3339
   * @param lastSuccessfulRevision the revision it holds
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record BackupStatus(
      String lastScheduleTime,
      String nextScheduleTime,
      String lastSuccessfulBackup,
      String lastSuccessfulTime,
      Long lastSuccessfulRevision) {}
}
