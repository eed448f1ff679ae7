package dev.cairn.operator.member;

import java.util.List;

/**
 * One member as the member list and its own status report it.
 *
 * @param id the member id
 * @param name the member's name; empty for a member added but not started yet
 * @param clientUrls the client URLs the member advertises
 * @param learner whether the member is a non-voting learner
 * @param reachable whether the member answered its status call
 * @param healthy whether it answered and reported no error (such as a NOSPACE alarm)
 * @param leaderId the leader this member follows; 0 when it knows none or did not answer
 */
public record ObservedMember(
    long id,
    String name,
    List<String> clientUrls,
    boolean learner,
    boolean reachable,
    boolean healthy,
    long leaderId) {

  public ObservedMember {
    clientUrls = List.copyOf(clientUrls);
  }

  /** The member id as etcdctl prints it. */
  public String hexId() {
    return Long.toHexString(id);
  }
}
