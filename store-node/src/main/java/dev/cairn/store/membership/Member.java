package dev.cairn.store.membership;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A member of the cluster, as etcd's {@code membership.Member}: its id, its name and client URLs
 * (both empty until the member has started and published them), its peer URLs and whether it is a
 * learner.
 */
public record Member(
    long id, String name, List<String> peerUrls, List<String> clientUrls, boolean isLearner) {
  public Member {
    // 0 is Raft's "no member".
    if (id == 0) {
      throw new IllegalArgumentException("cannot use 0 as member id");
    }
    Objects.requireNonNull(name, "name");
    peerUrls = List.copyOf(peerUrls);
    clientUrls = List.copyOf(clientUrls);
    if (peerUrls.isEmpty()) {
      throw new IllegalArgumentException("member " + MemberIds.hex(id) + " has no peer URLs");
    }
  }

  /** A member named in --initial-cluster, as etcd's NewMember(name, urls, token, nil). */
  public static Member bootstrap(String name, Collection<String> peerUrls, String token) {
    List<String> sorted = sorted(peerUrls);
    return new Member(MemberIds.memberId(sorted, token), name, sorted, List.of(), false);
  }

  /**
   * A member announced with 'member add' at the given time, as etcd's MemberAdd makes it: no name
   * yet, and an id from its peer URLs, an empty token and the time.
   */
  public static Member added(Collection<String> peerUrls, boolean isLearner, Instant now) {
    List<String> sorted = sorted(peerUrls);
    long id = MemberIds.memberId(sorted, "", now.getEpochSecond());
    return new Member(id, "", sorted, List.of(), isLearner);
  }

  /** This member once started, with the name and client URLs it publishes. */
  public Member withAttributes(String name, List<String> clientUrls) {
    return new Member(id, name, peerUrls, clientUrls, isLearner);
  }

  /** Whether the member has published its name, which etcd takes as having started. */
  public boolean isStarted() {
    return !name.isEmpty();
  }

  public String idHex() {
    return MemberIds.hex(id);
  }

  public dev.cairn.proto.internal.Member toProto() {
    return dev.cairn.proto.internal.Member.newBuilder()
        .setId(id)
        .setName(name)
        .addAllPeerUrls(peerUrls)
        .addAllClientUrls(clientUrls)
        .setIsLearner(isLearner)
        .build();
  }

  /**
   * The member a configuration-change entry carries.
   *
   * @throws IllegalArgumentException if it has id 0 or no peer URLs
   */
  public static Member fromProto(dev.cairn.proto.internal.Member m) {
    return new Member(
        m.getId(), m.getName(), m.getPeerUrlsList(), m.getClientUrlsList(), m.getIsLearner());
  }

  private static List<String> sorted(Collection<String> urls) {
    List<String> out = new ArrayList<>(urls);
    out.sort(null);
    return out;
  }
}
