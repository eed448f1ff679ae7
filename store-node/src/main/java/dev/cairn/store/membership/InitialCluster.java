package dev.cairn.store.membership;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster that --initial-cluster describes, built as etcd's NewClusterFromURLsMap builds it
 * (server/etcdserver/api/membership/cluster.go): each member's id hashes its peer URLs and the
 * cluster token, never a time, so that every member computes the same ids; the cluster id hashes
 * the member ids.
 *
 * <p>When bootstrapping a new cluster these are the cluster's ids. A member joining an existing
 * cluster computes the same values, but they are provisional: etcd replaces them with the ids the
 * running cluster reports, matching members by peer URLs, since 'member add' hashed the time into
 * the new member's id.
 *
 * @param members every member, by id as unsigned numbers (etcd's order)
 * @param local the member named by --name
 * @param isNew whether the cluster is bootstrapped ({@code --initial-cluster-state new}) rather
 *     than joined
 */
public record InitialCluster(List<Member> members, Member local, long clusterId, boolean isNew) {
  public InitialCluster {
    members = List.copyOf(members);
  }

  /**
   * @param peerUrls each member's peer URLs by name, as --initial-cluster gives them
   * @throws MembershipException if {@code localName} is not a member, or two members have the same
   *     id
   */
  public static InitialCluster of(
      String localName,
      Map<String, ? extends Collection<String>> peerUrls,
      String token,
      boolean isNew) {
    if (!peerUrls.containsKey(localName)) {
      throw new MembershipException(
          "couldn't find local name \"" + localName + "\" in the initial cluster configuration");
    }
    Map<Long, Member> byId = new HashMap<>();
    for (Map.Entry<String, ? extends Collection<String>> e : peerUrls.entrySet()) {
      long id = MemberIds.memberId(e.getValue(), token);
      Member same = byId.get(id);
      if (same != null) {
        throw new MembershipException(
            "member exists with identical ID "
                + MemberIds.hex(id)
                + " ("
                + same.name()
                + " and "
                + e.getKey()
                + ")");
      }
      if (id == 0) {
        throw new MembershipException("cannot use 0 as member id");
      }
      byId.put(id, Member.bootstrap(e.getKey(), e.getValue(), token));
    }
    List<Member> members = new ArrayList<>(byId.values());
    members.sort((a, b) -> Long.compareUnsigned(a.id(), b.id()));
    long clusterId = MemberIds.clusterId(byId.keySet());
    Member local = members.stream().filter(m -> m.name().equals(localName)).findFirst().get();
    return new InitialCluster(members, local, clusterId, isNew);
  }

  public List<Long> memberIds() {
    return members.stream().map(Member::id).toList();
  }

  public Optional<Member> member(long id) {
    return members.stream().filter(m -> m.id() == id).findFirst();
  }

  public Optional<Member> member(String name) {
    return members.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  /** The local member's id and the cluster id; provisional unless {@link #isNew}. */
  public ClusterIdentity identity() {
    return new ClusterIdentity(local.id(), clusterId);
  }
}
