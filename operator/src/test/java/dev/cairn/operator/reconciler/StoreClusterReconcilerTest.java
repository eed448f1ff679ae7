package dev.cairn.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.Fixtures;
import dev.cairn.operator.crd.Condition;
import dev.cairn.operator.crd.MemberStatus;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterSpec;
import dev.cairn.operator.crd.StoreClusterStatus;
import dev.cairn.operator.member.AuthAdmin;
import dev.cairn.operator.member.AuthState;
import dev.cairn.operator.member.MemberObserver;
import dev.cairn.operator.member.MembershipAdmin;
import dev.cairn.operator.member.ObservedCluster;
import dev.cairn.operator.member.ObservedMember;
import dev.cairn.operator.model.StoreClusterModel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One reconcile pass against fabric8's mock API server, with the members faked. */
@EnableKubernetesMockClient(crud = true)
class StoreClusterReconcilerTest {
  KubernetesClient client;

  private final FakeMembers members = new FakeMembers();
  private final FakeAuth auth = new FakeAuth();
  private StoreClusterReconciler reconciler;

  /** Members as the test wants them seen; records which clusters were asked. */
  static final class FakeMembers implements MemberObserver {
    ObservedCluster next = ObservedCluster.unreachable();
    final List<String> asked = new ArrayList<>();

    @Override
    public ObservedCluster observe(StoreClusterModel cluster) {
      asked.add(cluster.clientEndpoint());
      return next;
    }
  }

  /** Answers with the state the test sets; records the cluster ids it was asked about. */
  static final class FakeAuth implements AuthAdmin {
    AuthState next = AuthState.ENABLED_NOW;
    final List<Long> asked = new ArrayList<>();

    @Override
    public AuthState ensureEnabled(StoreClusterModel cluster, long clusterId) {
      asked.add(clusterId);
      return next;
    }
  }

  /** Records each membership call; the ids it hands out count from 0x10. */
  static final class FakeMembership implements MembershipAdmin {
    final List<String> calls = new ArrayList<>();
    boolean promoteReady = true;

    @Override
    public long addLearner(StoreClusterModel cluster, String peerUrl) {
      calls.add("add " + peerUrl);
      return 0x10;
    }

    @Override
    public boolean promote(StoreClusterModel cluster, long id) {
      calls.add("promote " + id);
      return promoteReady;
    }

    @Override
    public void remove(StoreClusterModel cluster, long id) {
      calls.add("remove " + id);
    }

    @Override
    public void moveLeader(StoreClusterModel cluster, String leaderClientUrl, long to) {
      calls.add("move " + leaderClientUrl + " " + to);
    }
  }

  private final FakeMembership membership = new FakeMembership();

  @BeforeEach
  void setUp() {
    reconciler =
        new StoreClusterReconciler(
            client,
            members,
            auth,
            membership,
            Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC),
            false);
  }

  @Test
  void aNewClusterGetsItsServicesStatefulSetAndBudgetOwnedByIt() {
    StoreCluster cluster = create(Fixtures.minimal());

    StoreClusterStatus status = reconciler.reconcile(cluster);

    assertOwned(client.services().inNamespace("db").withName("orders-peer").get(), cluster);
    assertOwned(client.services().inNamespace("db").withName("orders-client").get(), cluster);
    assertOwned(client.configMaps().inNamespace("db").withName("orders-bootstrap").get(), cluster);
    StatefulSet set = client.apps().statefulSets().inNamespace("db").withName("orders").get();
    assertOwned(set, cluster);
    assertThat(set.getSpec().getReplicas()).isEqualTo(3);
    assertOwned(
        client.policy().v1().podDisruptionBudget().inNamespace("db").withName("orders").get(),
        cluster);
    assertThat(client.secrets().inNamespace("db").list().getItems()).isEmpty();
    assertThat(members.asked).containsExactly("http://orders-client.db.svc:2379");
    assertThat(status.condition(Condition.AVAILABLE).orElseThrow().reason())
        .isEqualTo("MembersUnreachable");
    assertThat(events()).contains("Created StatefulSet orders.", "Created Service orders-peer.");
  }

  @Test
  void generatedTlsMakesTheCaAndCertificateSecretsOnce() {
    StoreCluster cluster = create(Fixtures.production());

    reconciler.reconcile(cluster);
    Secret peer = client.secrets().inNamespace("db").withName("orders-peer-tls").get();
    reconciler.reconcile(cluster);

    for (String name :
        List.of("orders-ca", "orders-client-tls", "orders-peer-tls", "orders-operator-tls")) {
      assertOwned(client.secrets().inNamespace("db").withName(name).get(), cluster);
    }
    // A second pass keeps the certificates: new keys would roll every member.
    assertThat(client.secrets().inNamespace("db").withName("orders-peer-tls").get().getStringData())
        .isEqualTo(peer.getStringData());
    assertThat(client.secrets().inNamespace("db").list().getItems()).hasSize(4);
  }

  @Test
  void aPausedClusterIsObservedButNothingIsApplied() {
    StoreCluster cluster = Fixtures.minimal();
    cluster.setSpec(
        new StoreClusterSpec(
            3, null, null, null, null, null, null, null, null, null, true, null, null));
    cluster = create(cluster);

    StoreClusterStatus status = reconciler.reconcile(cluster);

    assertThat(client.apps().statefulSets().inNamespace("db").list().getItems()).isEmpty();
    assertThat(client.services().inNamespace("db").list().getItems()).isEmpty();
    assertThat(status.condition(Condition.PROGRESSING).orElseThrow().reason()).isEqualTo("Paused");
    assertThat(events()).contains("spec.paused is set: owned objects are left as they are.");
  }

  @Test
  void aClusterBecomingAvailableIsAnnouncedAndItsIdLatched() {
    StoreCluster cluster = create(Fixtures.minimal());
    StoreClusterStatus first = reconciler.reconcile(cluster);
    cluster.setStatus(first);
    members.next =
        new ObservedCluster(
            true,
            0xc1,
            List.of(
                new ObservedMember(1, "orders-0", List.of("http://a:2379"), false, true, true, 1),
                new ObservedMember(2, "orders-1", List.of("http://b:2379"), false, true, true, 1),
                new ObservedMember(3, "orders-2", List.of("http://c:2379"), false, true, true, 1)));

    StoreClusterStatus second = reconciler.reconcile(cluster);
    cluster.setStatus(second);
    reconciler.reconcile(cluster);

    assertThat(second.condition(Condition.AVAILABLE).orElseThrow().isTrue()).isTrue();
    assertThat(second.clusterId()).isEqualTo("c1");
    assertThat(second.leader()).isEqualTo("orders-0");
    assertThat(events()).contains("Cluster c1 formed.");
    assertThat(events().stream().filter(m -> m.startsWith("Leader orders-0"))).hasSize(1);
    assertThat(client.configMaps().inNamespace("db").withName("orders-bootstrap").get().getData())
        .containsEntry("initial-cluster-state", "existing");
  }

  @Test
  void authIsEnabledOnlyOnceTheClusterHasFormedAndAnnouncedOnce() {
    StoreCluster cluster = create(Fixtures.production());
    reconciler.reconcile(cluster);
    members.next =
        new ObservedCluster(
            true,
            0xc1,
            List.of(
                new ObservedMember(1, "orders-0", List.of("https://a:2379"), false, true, true, 1),
                new ObservedMember(
                    2, "orders-1", List.of("https://b:2379"), false, false, false, 0),
                new ObservedMember(
                    3, "orders-2", List.of("https://c:2379"), false, true, true, 1)));
    reconciler.reconcile(cluster);
    assertThat(auth.asked).as("not before every member is healthy").isEmpty();

    members.next =
        new ObservedCluster(
            true,
            0xc1,
            List.of(
                new ObservedMember(1, "orders-0", List.of("https://a:2379"), false, true, true, 1),
                new ObservedMember(2, "orders-1", List.of("https://b:2379"), false, true, true, 1),
                new ObservedMember(
                    3, "orders-2", List.of("https://c:2379"), false, true, true, 1)));
    reconciler.reconcile(cluster);
    auth.next = AuthState.ENABLED;
    reconciler.reconcile(cluster);

    assertThat(auth.asked).containsExactly(0xc1L, 0xc1L);
    assertThat(events().stream().filter(m -> m.contains("enabled auth"))).hasSize(1);
  }

  @Test
  void aClusterWithoutAuthIsNeverAskedToEnableIt() {
    StoreCluster cluster = create(Fixtures.minimal());
    members.next =
        new ObservedCluster(
            true,
            0xc1,
            List.of(
                new ObservedMember(1, "orders-0", List.of("http://a:2379"), false, true, true, 1)));
    reconciler.reconcile(cluster);
    assertThat(auth.asked).isEmpty();
  }

  @Test
  void aFormedClusterScalesUpByAddingALearnerBeforeItsPodStarts() {
    StoreCluster cluster = formed(4);
    members.next = healthy(3, 1);

    StoreClusterStatus status = reconciler.reconcile(cluster);

    assertThat(membership.calls).containsExactly("add http://orders-3.orders-peer.db.svc:2380");
    var data = client.configMaps().inNamespace("db").withName("orders-bootstrap").get().getData();
    assertThat(data.get("initial-cluster"))
        .isEqualTo(
            "orders-0=http://orders-0.orders-peer.db.svc:2380,"
                + "orders-1=http://orders-1.orders-peer.db.svc:2380,"
                + "orders-2=http://orders-2.orders-peer.db.svc:2380,"
                + "orders-3=http://orders-3.orders-peer.db.svc:2380");
    assertThat(data.get("initial-cluster-state")).isEqualTo("existing");
    assertThat(statefulSetReplicas()).isEqualTo(4);
    assertThat(status.condition(Condition.PROGRESSING).orElseThrow().reason()).isEqualTo("Scaling");
  }

  @Test
  void aLearnerIsPromotedOnceItHasCaughtUpAndThePodsStay() {
    StoreCluster cluster = formed(4);
    List<ObservedMember> list = new ArrayList<>(healthy(3, 1).members());
    list.add(new ObservedMember(4, "orders-3", List.of("http://d:2379"), true, true, true, 1));
    members.next = new ObservedCluster(true, 0xc1, list);
    membership.promoteReady = false;

    reconciler.reconcile(cluster);
    membership.promoteReady = true;
    reconciler.reconcile(cluster);

    assertThat(membership.calls).containsExactly("promote 4", "promote 4");
    assertThat(statefulSetReplicas()).isEqualTo(4);
    assertThat(events()).containsOnlyOnce("Promoted orders-3 to voter.");
  }

  @Test
  void scalingDownMovesLeadershipOffTheLastMemberThenRemovesIt() {
    StoreCluster cluster = formed(2);
    members.next = healthy(3, 3);

    reconciler.reconcile(cluster);
    assertThat(membership.calls).containsExactly("move http://c:2379 1");
    assertThat(statefulSetReplicas()).isEqualTo(3);

    members.next = healthy(3, 1);
    // fabric8's mock API server drops the status on the reconciler's update; the controller
    // would report it again.
    podsReady(3, 3);
    reconciler.reconcile(cluster);
    assertThat(membership.calls).endsWith("remove 3");
    assertThat(statefulSetReplicas()).isEqualTo(2);
    assertThat(
            client
                .configMaps()
                .inNamespace("db")
                .withName("orders-bootstrap")
                .get()
                .getData()
                .get("initial-cluster"))
        .doesNotContain("orders-2");
  }

  @Test
  void aMemberOnAnotherClaimThanItWasHealthyOnIsRemovedWithItsClaimAndPod() {
    StoreCluster cluster = formed(3);
    String claim = claim("data-orders-2");
    // Last seen healthy on a claim that has been deleted and made anew since.
    cluster.setStatus(withVolume(cluster.getStatus(), "orders-2", "3", "uid-of-the-lost-claim"));
    List<ObservedMember> list = new ArrayList<>(healthy(3, 1).members());
    list.set(
        2, new ObservedMember(3, "orders-2", List.of("http://c:2379"), false, false, false, 0));
    members.next = new ObservedCluster(true, 0xc1, list);

    StoreClusterStatus status = reconciler.reconcile(cluster);

    assertThat(membership.calls).containsExactly("remove 3");
    assertThat(events()).contains("Removed orders-2 (volume lost).");
    assertThat(client.persistentVolumeClaims().inNamespace("db").withName("data-orders-2").get())
        .as("claim " + claim)
        .isNull();
    assertThat(client.pods().inNamespace("db").withName("orders-2").get()).isNull();
    assertThat(status.step()).isEqualTo("remove orders-2 (volume lost)");
  }

  @Test
  void anUpgradeDeletesTheHighestFollowersPodAfterApplyingTheNewTemplate() {
    StoreCluster cluster = formed(3);
    members.next = healthy(3, 1);
    cluster.setSpec(cluster.getSpec().withVersion("0.2.0"));

    StoreClusterStatus status = reconciler.reconcile(cluster);

    assertThat(membership.calls).isEmpty();
    assertThat(client.pods().inNamespace("db").withName("orders-2").get()).isNull();
    assertThat(client.pods().inNamespace("db").withName("orders-1").get()).isNotNull();
    var template =
        client
            .apps()
            .statefulSets()
            .inNamespace("db")
            .withName("orders")
            .get()
            .getSpec()
            .getTemplate();
    assertThat(template.getSpec().getContainers().getFirst().getImage()).endsWith(":0.2.0");
    assertThat(status.step())
        .isEqualTo(
            "restart orders-2 on pod template "
                + template.getMetadata().getAnnotations().get("cairn.dev/pod-template-hash"));
  }

  @Test
  void noMemberIsAddedWhileThePodsHaveNotSettled() {
    StoreCluster cluster = formed(4);
    podsReady(3, 2);
    members.next = healthy(3, 1);

    reconciler.reconcile(cluster);

    assertThat(membership.calls).isEmpty();
    assertThat(statefulSetReplicas()).isEqualTo(3);
  }

  @Test
  void aStaleMemberListNeverBringsARemovedMembersPodBack() {
    StoreCluster cluster = formed(3);
    // A member list from a member that has not applied the removal of orders-3 yet.
    members.next = healthy(4, 1);

    reconciler.reconcile(cluster);

    assertThat(statefulSetReplicas()).isEqualTo(3);
  }

  @Test
  void anUnreachableFormedClusterKeepsItsPods() {
    StoreCluster cluster = formed(5);
    members.next = ObservedCluster.unreachable();

    reconciler.reconcile(cluster);

    assertThat(membership.calls).isEmpty();
    assertThat(statefulSetReplicas()).isEqualTo(3);
  }

  /** A cluster created with 3 members and formed, whose spec now asks for {@code replicas}. */
  private StoreCluster formed(int replicas) {
    StoreCluster cluster = create(Fixtures.minimal());
    reconciler.reconcile(cluster);
    podsReady(3, 3);
    cluster.setSpec(
        new StoreClusterSpec(
            replicas, null, null, null, null, null, null, null, null, null, false, null, null));
    cluster.setStatus(
        new StoreClusterStatus(
            1L,
            null,
            null,
            "orders-0",
            "c1",
            3,
            3,
            "3/3",
            3,
            null,
            null,
            null,
            null,
            null,
            null,
            null));
    return cluster;
  }

  /** Makes the claim {@code name} for the cluster's members; returns its uid. */
  private String claim(String name) {
    return client
        .resource(
            new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("db")
                .withLabels(dev.cairn.operator.model.Labels.of("orders", "store"))
                .endMetadata()
                .build())
        .create()
        .getMetadata()
        .getUid();
  }

  /** {@code status} with {@code member} (id {@code id}) last healthy on claim {@code uid}. */
  private static StoreClusterStatus withVolume(
      StoreClusterStatus status, String member, String id, String uid) {
    return new StoreClusterStatus(
        status.observedGeneration(),
        status.conditions(),
        List.of(new MemberStatus(member, id, "follower", true, null, null, uid)),
        status.leader(),
        status.clusterId(),
        status.readyReplicas(),
        status.replicas(),
        status.ready(),
        status.memberCount(),
        status.selector(),
        status.endpoint(),
        status.version(),
        status.step(),
        status.stepSince(),
        null,
        null);
  }

  /** {@code count} healthy voters orders-0.. with ids 1.., following {@code leader}. */
  private static ObservedCluster healthy(int count, long leader) {
    List<ObservedMember> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      list.add(
          new ObservedMember(
              i + 1,
              "orders-" + i,
              List.of("http://" + (char) ('a' + i) + ":2379"),
              false,
              true,
              true,
              leader));
    }
    return new ObservedCluster(true, 0xc1, list);
  }

  /**
   * The StatefulSet's status as its controller would write it, and its pods from the current
   * template, the first {@code ready} of them ready.
   */
  private void podsReady(int pods, int ready) {
    var set = client.apps().statefulSets().inNamespace("db").withName("orders").get();
    client.pods().inNamespace("db").delete();
    for (int i = 0; i < pods; i++) {
      client
          .resource(
              new io.fabric8.kubernetes.api.model.PodBuilder()
                  .withNewMetadata()
                  .withName("orders-" + i)
                  .withNamespace("db")
                  .withLabels(set.getSpec().getTemplate().getMetadata().getLabels())
                  .withAnnotations(set.getSpec().getTemplate().getMetadata().getAnnotations())
                  .endMetadata()
                  .withNewStatus()
                  .addNewCondition()
                  .withType("Ready")
                  .withStatus(i < ready ? "True" : "False")
                  .endCondition()
                  .endStatus()
                  .build())
          .create();
    }
    client
        .apps()
        .statefulSets()
        .inNamespace("db")
        .withName("orders")
        .edit(
            s -> {
              s.setStatus(
                  new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder()
                      .withReplicas(pods)
                      .withReadyReplicas(ready)
                      .build());
              return s;
            });
  }

  private int statefulSetReplicas() {
    return client
        .apps()
        .statefulSets()
        .inNamespace("db")
        .withName("orders")
        .get()
        .getSpec()
        .getReplicas();
  }

  private StoreCluster create(StoreCluster cluster) {
    cluster.getMetadata().setUid(null);
    StoreCluster created = client.resource(cluster).create();
    created.setSpec(cluster.getSpec());
    return created;
  }

  private List<String> events() {
    return client.v1().events().inNamespace("db").list().getItems().stream()
        .map(e -> e.getMessage())
        .toList();
  }

  private static void assertOwned(HasMetadata object, StoreCluster owner) {
    assertThat(object).as("owned object exists").isNotNull();
    assertThat(object.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            ref -> {
              assertThat(ref.getKind()).isEqualTo("StoreCluster");
              assertThat(ref.getName()).isEqualTo(owner.getMetadata().getName());
              assertThat(ref.getUid()).isEqualTo(owner.getMetadata().getUid()).isNotNull();
              assertThat(ref.getController()).isTrue();
            });
  }
}
