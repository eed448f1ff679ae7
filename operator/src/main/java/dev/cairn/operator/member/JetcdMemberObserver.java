package dev.cairn.operator.member;

import dev.cairn.operator.crd.StoreClusterResources;
import dev.cairn.operator.model.StoreClusterModel;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.cluster.MemberListResponse;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observes a cluster with jetcd: the member list through the client Service, then each member's own
 * status at its advertised client URL. With client TLS the operator presents the certificate from
 * the cluster's operator Secret (or, for user-provided TLS, the same Secret as the members), whose
 * CN makes it root once auth is on; it never logs in with a password.
 */
public final class JetcdMemberObserver implements MemberObserver {
  private static final Logger log = LoggerFactory.getLogger(JetcdMemberObserver.class);

  private final JetcdClients clients;
  private final Duration timeout;

  /**
   * @param kubernetes reads the TLS and root credentials Secrets
   * @param timeout the limit of each etcd call
   */
  public JetcdMemberObserver(KubernetesClient kubernetes, Duration timeout) {
    this.clients = new JetcdClients(kubernetes);
    this.timeout = timeout;
  }

  /**
   * Asks through the client Service first; when it does not answer, each member directly. The
   * Service sends only to ready members, and a member without a quorum is not ready: without the
   * direct way, losing quorum would look like losing every member.
   */
  @Override
  public ObservedCluster observe(StoreClusterModel cluster) {
    ObservedCluster seen = observe(cluster, cluster.clientEndpoint());
    for (String host : cluster.memberHosts()) {
      if (seen.reachable()) {
        break;
      }
      seen =
          observe(
              cluster,
              cluster.clientScheme() + "://" + host + ":" + StoreClusterResources.CLIENT_PORT);
    }
    return seen;
  }

  private ObservedCluster observe(StoreClusterModel cluster, String endpoint) {
    try (Client client = clients.builder(cluster, endpoint).build()) {
      MemberListResponse list =
          client.getClusterClient().listMember().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Set<Long> alarmed = alarmed(client);
      List<ObservedMember> members = new ArrayList<>();
      for (Member member : list.getMembers()) {
        members.add(observeMember(client, member, alarmed.contains(member.getId())));
      }
      return new ObservedCluster(true, list.getHeader().getClusterId(), members);
    } catch (ExecutionException | TimeoutException | SSLException | RuntimeException e) {
      log.info(
          "Cluster {}/{} did not answer at {}: {}",
          cluster.namespace(),
          cluster.name(),
          endpoint,
          e.toString());
      return ObservedCluster.unreachable();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ObservedCluster.unreachable();
    }
  }

  /**
   * The members with an alarm (NOSPACE, CORRUPT): they answer but cannot serve writes. Listing
   * alarms goes through Raft, as in etcd, so without a quorum it times out; the members' own status
   * calls still say what there is to say.
   */
  private Set<Long> alarmed(Client client) throws InterruptedException {
    try {
      return client
          .getMaintenanceClient()
          .listAlarms()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .getAlarms()
          .stream()
          .map(AlarmMember::getMemberId)
          .collect(Collectors.toSet());
    } catch (ExecutionException | TimeoutException e) {
      return Set.of();
    }
  }

  private ObservedMember observeMember(Client client, Member member, boolean alarmed)
      throws InterruptedException {
    List<String> urls = member.getClientURIs().stream().map(URI::toString).toList();
    if (urls.isEmpty()) {
      // Added but never started: nothing to ask; its name is its pod's, from its peer URL.
      return new ObservedMember(
          member.getId(), nameOf(member), urls, member.isLearner(), false, false, 0);
    }
    try {
      StatusResponse status =
          client
              .getMaintenanceClient()
              .statusMember(urls.getFirst())
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new ObservedMember(
          member.getId(),
          member.getName(),
          urls,
          member.isLearner(),
          true,
          !alarmed && status.getLeader() != 0,
          status.getLeader());
    } catch (ExecutionException | TimeoutException e) {
      return new ObservedMember(
          member.getId(), member.getName(), urls, member.isLearner(), false, false, 0);
    }
  }

  /**
   * A member's name; for one added but not started yet (which has none), the first label of its
   * peer URL's host, which is its pod's name.
   */
  static String nameOf(Member member) {
    if (!member.getName().isEmpty()) {
      return member.getName();
    }
    return member.getPeerURIs().stream()
        .map(URI::getHost)
        .filter(java.util.Objects::nonNull)
        .map(JetcdMemberObserver::podName)
        .findFirst()
        .orElse("");
  }

  /** The pod name in a member's DNS name {@code POD.SERVICE.NAMESPACE.svc}. */
  static String podName(String host) {
    int dot = host.indexOf('.');
    return dot < 0 ? host : host.substring(0, dot);
  }

  /**
   * A Secret's values as text, from {@code data} (base64) or a not yet converted {@code
   * stringData}.
   */
  public static Map<String, String> decode(Secret secret) {
    Map<String, String> values = new java.util.HashMap<>();
    if (secret.getStringData() != null) {
      values.putAll(secret.getStringData());
    }
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (k, v) ->
                  values.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    return values;
  }
}
