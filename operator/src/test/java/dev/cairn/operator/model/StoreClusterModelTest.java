package dev.cairn.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.Fixtures;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterSpec;
import dev.cairn.operator.crd.StoreClusterStatus;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every object a StoreCluster owns, field by field. */
class StoreClusterModelTest {
  private static final Map<String, String> SELECTOR =
      Map.of("app.kubernetes.io/name", "cairn", "app.kubernetes.io/instance", "orders");

  private final StoreClusterModel minimal = StoreClusterModel.fromCrd(Fixtures.minimal());
  private final StoreClusterModel production = StoreClusterModel.fromCrd(Fixtures.production());

  @Test
  void thePeerServiceIsHeadlessAndPublishesMembersBeforeTheyAreReady() {
    Service service = minimal.generatePeerService();

    assertOwned(service, "orders-peer");
    assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(service.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(service.getSpec().getSelector()).isEqualTo(SELECTOR);
    assertThat(service.getSpec().getPorts())
        .extracting(p -> p.getName(), p -> p.getPort(), p -> p.getTargetPort().getStrVal())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("client", 2379, "client"),
            org.assertj.core.groups.Tuple.tuple("peer", 2380, "peer"));
  }

  @Test
  void theClientServiceRoutesOnlyTheClientPortToReadyMembers() {
    Service service = minimal.generateClientService();

    assertOwned(service, "orders-client");
    assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(service.getSpec().getPublishNotReadyAddresses()).isNull();
    assertThat(service.getSpec().getSelector()).isEqualTo(SELECTOR);
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("client");
              assertThat(p.getPort()).isEqualTo(2379);
            });
  }

  @Test
  void theBootstrapConfigMapListsEveryMemberAndSaysNewUntilAClusterIdIsLatched() {
    ConfigMap config = minimal.generateBootstrapConfigMap();

    assertOwned(config, "orders-bootstrap");
    assertThat(config.getData())
        .containsEntry(
            "initial-cluster",
            "orders-0=http://orders-0.orders-peer.db.svc:2380,"
                + "orders-1=http://orders-1.orders-peer.db.svc:2380,"
                + "orders-2=http://orders-2.orders-peer.db.svc:2380")
        .containsEntry("initial-cluster-state", "new");

    StoreCluster formed = Fixtures.minimal();
    formed.setStatus(
        new StoreClusterStatus(
            1L,
            null,
            null,
            null,
            "cdf818194e3a8c32",
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
    assertThat(StoreClusterModel.fromCrd(formed).generateBootstrapConfigMap().getData())
        .containsEntry("initial-cluster-state", "existing");
  }

  @Test
  void peerUrlsUseHttpsWithPeerTls() {
    assertThat(production.generateBootstrapConfigMap().getData().get("initial-cluster"))
        .startsWith("orders-0=https://orders-0.orders-peer.db.svc:2380,")
        .endsWith("orders-4=https://orders-4.orders-peer.db.svc:2380");
  }

  @ParameterizedTest(name = "{0} replicas need {1}")
  @CsvSource({"1, 1", "2, 2", "3, 2", "4, 3", "5, 3", "7, 4"})
  void thePodDisruptionBudgetKeepsAQuorum(int replicas, int quorum) {
    StoreCluster cluster = Fixtures.minimal();
    cluster.setSpec(cluster.getSpec().withReplicas(replicas));

    PodDisruptionBudget pdb = StoreClusterModel.fromCrd(cluster).generatePodDisruptionBudget();

    assertOwned(pdb, "orders");
    assertThat(pdb.getSpec().getMinAvailable()).isEqualTo(new IntOrString(quorum));
    assertThat(pdb.getSpec().getMaxUnavailable()).isNull();
    assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(SELECTOR);
  }

  @Test
  void thePodTemplateCarriesAHashThatChangesWithTheImageAndSettingsButNotWithReplicas() {
    String hash = minimal.podTemplateHash();
    assertThat(hash).matches("[0-9a-f]{10}");
    assertThat(
            minimal.generateStatefulSet(5).getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("cairn.dev/pod-template-hash", hash);
    assertThat(StoreClusterModel.fromCrd(Fixtures.minimal()).podTemplateHash()).isEqualTo(hash);

    StoreCluster upgraded = Fixtures.minimal();
    upgraded.setSpec(
        new StoreClusterSpec(
            3, "0.2.0", null, null, null, null, null, null, null, null, false, null, null));
    assertThat(StoreClusterModel.fromCrd(upgraded).podTemplateHash()).isNotEqualTo(hash);

    StoreCluster resized = Fixtures.minimal();
    resized.setSpec(resized.getSpec().withReplicas(5));
    assertThat(StoreClusterModel.fromCrd(resized).podTemplateHash()).isEqualTo(hash);
  }

  @ParameterizedTest(name = "{0} members need {1} while the spec asks for 3")
  @CsvSource({"1, 1", "2, 2", "4, 3", "5, 3"})
  void whileMembersChangeTheBudgetKeepsTheQuorumOfTheMembersThereAre(int members, int quorum) {
    assertThat(minimal.generatePodDisruptionBudget(members).getSpec().getMinAvailable())
        .isEqualTo(new IntOrString(quorum));
  }

  @Test
  void theStatefulSetStartsMembersInParallelBehindThePeerService() {
    StatefulSet set = minimal.generateStatefulSet();

    assertOwned(set, "orders");
    assertThat(set.getSpec().getReplicas()).isEqualTo(3);
    assertThat(set.getSpec().getServiceName()).isEqualTo("orders-peer");
    assertThat(set.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
    // The operator replaces pods itself, one member at a time.
    assertThat(set.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
    assertThat(set.getSpec().getSelector().getMatchLabels()).isEqualTo(SELECTOR);
    assertThat(set.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(SELECTOR)
        .containsEntry("app.kubernetes.io/component", "store");
  }

  @Test
  void volumesFollowTheStorageSpecAndAreNeverReusedAfterScaleIn() {
    StatefulSet defaults = minimal.generateStatefulSet();
    StatefulSet custom = production.generateStatefulSet();

    assertThat(defaults.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted())
        .isEqualTo("Retain");
    assertThat(defaults.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled())
        .isEqualTo("Delete");
    assertThat(defaults.getSpec().getVolumeClaimTemplates())
        .singleElement()
        .satisfies(
            pvc -> {
              assertThat(pvc.getMetadata().getName()).isEqualTo("data");
              assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
              assertThat(pvc.getSpec().getStorageClassName()).isNull();
              assertThat(pvc.getSpec().getResources().getRequests())
                  .containsEntry("storage", new Quantity("8Gi"));
            });

    assertThat(custom.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted())
        .isEqualTo("Delete");
    assertThat(custom.getSpec().getVolumeClaimTemplates().getFirst().getSpec())
        .satisfies(
            spec -> {
              assertThat(spec.getStorageClassName()).isEqualTo("fast-ssd");
              assertThat(spec.getResources().getRequests())
                  .containsEntry("storage", new Quantity("50Gi"));
            });
  }

  @Test
  void aPlainMemberGetsEtcdStyleFlagsWithBootstrapValuesFromTheConfigMap() {
    Container container = container(minimal);

    assertThat(container.getName()).isEqualTo("store-node");
    assertThat(container.getImage()).isEqualTo("ghcr.io/cairn-dev/store-node:0.1.0");
    assertThat(container.getArgs())
        .containsExactly(
            "--name=$(POD_NAME)",
            "--data-dir=/var/lib/cairn",
            "--listen-client-urls=http://0.0.0.0:2379",
            "--advertise-client-urls=http://$(POD_NAME).orders-peer.db.svc:2379",
            "--listen-peer-urls=http://0.0.0.0:2380",
            "--listen-metrics-urls=http://0.0.0.0:2381",
            "--initial-advertise-peer-urls=http://$(POD_NAME).orders-peer.db.svc:2380",
            "--initial-cluster=$(INITIAL_CLUSTER)",
            "--initial-cluster-state=$(INITIAL_CLUSTER_STATE)",
            "--initial-cluster-token=db-orders",
            "--snapshot-count=10000",
            "--heartbeat-interval=100",
            "--election-timeout=1000",
            "--quota-backend-bytes=0",
            "--auto-compaction-mode=periodic",
            "--auto-compaction-retention=1h");
    assertThat(container.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("POD_NAME");
              assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
            })
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("INITIAL_CLUSTER");
              assertThat(e.getValueFrom().getConfigMapKeyRef().getName())
                  .isEqualTo("orders-bootstrap");
              assertThat(e.getValueFrom().getConfigMapKeyRef().getKey())
                  .isEqualTo("initial-cluster");
            })
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("INITIAL_CLUSTER_STATE");
              assertThat(e.getValueFrom().getConfigMapKeyRef().getKey())
                  .isEqualTo("initial-cluster-state");
            });
    assertThat(container.getPorts())
        .extracting(p -> p.getName() + ":" + p.getContainerPort())
        .containsExactly("client:2379", "peer:2380", "metrics:2381");
  }

  @Test
  void tlsAuthAndStoreSettingsBecomeFlagsAndMountedSecrets() {
    Container container = container(production);

    assertThat(container.getImage()).isEqualTo("ghcr.io/cairn-dev/store-node:0.2.0");
    assertThat(container.getArgs())
        .contains(
            "--listen-client-urls=https://0.0.0.0:2379",
            "--advertise-client-urls=https://$(POD_NAME).orders-peer.db.svc:2379",
            "--listen-peer-urls=https://0.0.0.0:2380",
            "--initial-advertise-peer-urls=https://$(POD_NAME).orders-peer.db.svc:2380",
            "--snapshot-count=50000",
            "--heartbeat-interval=200",
            "--election-timeout=2000",
            "--quota-backend-bytes=4294967296",
            "--auto-compaction-mode=revision",
            "--auto-compaction-retention=1000",
            "--cert-file=/etc/cairn/tls/client/tls.crt",
            "--key-file=/etc/cairn/tls/client/tls.key",
            "--trusted-ca-file=/etc/cairn/tls/client/ca.crt",
            "--client-cert-auth=true",
            "--peer-cert-file=/etc/cairn/tls/peer/tls.crt",
            "--peer-key-file=/etc/cairn/tls/peer/tls.key",
            "--peer-trusted-ca-file=/etc/cairn/tls/peer/ca.crt",
            "--peer-client-cert-auth=true",
            "--auth-token=simple");
    assertThat(container.getVolumeMounts())
        .extracting(VolumeMount::getName, VolumeMount::getMountPath, VolumeMount::getReadOnly)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("data", "/var/lib/cairn", false),
            org.assertj.core.groups.Tuple.tuple("tmp", "/tmp", false),
            org.assertj.core.groups.Tuple.tuple("client-tls", "/etc/cairn/tls/client", true),
            org.assertj.core.groups.Tuple.tuple("peer-tls", "/etc/cairn/tls/peer", true));
    assertThat(podSpec(production).getVolumes())
        .extracting(
            Volume::getName, v -> v.getSecret() == null ? null : v.getSecret().getSecretName())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("tmp", null),
            org.assertj.core.groups.Tuple.tuple("client-tls", "orders-client-tls"),
            org.assertj.core.groups.Tuple.tuple("peer-tls", "orders-peer-tls"));
    assertThat(container.getResources().getLimits()).containsEntry("memory", new Quantity("2Gi"));
  }

  @Test
  void aUserProvidedSecretIsMountedInsteadOfAGeneratedOne() {
    StoreCluster cluster = Fixtures.minimal();
    cluster.setSpec(
        new dev.cairn.operator.crd.StoreClusterSpec(
            3,
            null,
            "registry.example/cairn:dev",
            null,
            null,
            null,
            new dev.cairn.operator.crd.TlsSpec(
                new dev.cairn.operator.crd.TlsEndpointSpec("my-client-certs", null), null),
            null,
            null,
            null,
            null,
            null,
            null));
    StoreClusterModel model = StoreClusterModel.fromCrd(cluster);

    assertThat(model.generatesTls()).isFalse();
    assertThat(container(model).getImage()).isEqualTo("registry.example/cairn:dev");
    assertThat(podSpec(model).getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .singleElement()
        .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("my-client-certs"));
    assertThat(container(model).getArgs()).contains("--listen-peer-urls=http://0.0.0.0:2380");
  }

  @Test
  void probesCallReadyzAndLivezOnThePlainMetricsPortWithOrWithoutTls() {
    Container plain = container(minimal);
    Container tls = container(production);

    for (Container c : List.of(plain, tls)) {
      assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
      assertThat(c.getReadinessProbe().getHttpGet().getPort()).isEqualTo(new IntOrString(2381));
      assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/livez");
      assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/readyz");
      assertThat(c.getReadinessProbe().getHttpGet().getScheme()).isNull();
      assertThat(c.getArgs()).contains("--listen-metrics-urls=http://0.0.0.0:2381");
    }
    // Five minutes to open the data and catch up before liveness can restart the member.
    assertThat(
            plain.getStartupProbe().getFailureThreshold()
                * plain.getStartupProbe().getPeriodSeconds())
        .isEqualTo(300);
    assertThat(plain.getLivenessProbe().getFailureThreshold())
        .isGreaterThan(plain.getReadinessProbe().getFailureThreshold());
  }

  @Test
  void membersRunAsNonRootOnAReadOnlyRootWithNoCapabilities() {
    PodSpec pod = podSpec(minimal);
    Container container = container(minimal);

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getEnableServiceLinks()).isFalse();
  }

  @Test
  void podOverridesAreAppliedButNeverReplaceTheOperatorsLabels() {
    StatefulSet set = production.generateStatefulSet();
    PodSpec pod = set.getSpec().getTemplate().getSpec();

    assertThat(set.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("team", "payments")
        .containsEntry("app.kubernetes.io/instance", "orders");
    assertThat(set.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("prometheus.io/scrape", "false");
    assertThat(
            pod.getAffinity()
                .getPodAntiAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
                .getFirst()
                .getTopologyKey())
        .isEqualTo("kubernetes.io/hostname");
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(pod.getNodeSelector()).isEqualTo(Map.of("pool", "db"));
    assertThat(pod.getTopologySpreadConstraints())
        .singleElement()
        .satisfies(t -> assertThat(t.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone"));
    assertThat(pod.getPriorityClassName()).isEqualTo("db-critical");

    PodSpec plain = podSpec(minimal);
    assertThat(plain.getAffinity()).isNull();
    assertThat(plain.getTolerations()).isEmpty();
    assertThat(plain.getPriorityClassName()).isNull();
  }

  @Test
  void theClientEndpointIsTheClientServicesName() {
    assertThat(minimal.clientEndpoint()).isEqualTo("http://orders-client.db.svc:2379");
    assertThat(production.clientEndpoint()).isEqualTo("https://orders-client.db.svc:2379");
  }

  private static void assertOwned(HasMetadata object, String name) {
    assertThat(object.getMetadata().getName()).isEqualTo(name);
    assertThat(object.getMetadata().getNamespace()).isEqualTo("db");
    assertThat(object.getMetadata().getLabels())
        .containsAllEntriesOf(SELECTOR)
        .containsEntry("app.kubernetes.io/managed-by", "cairn-operator");
    assertThat(object.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getApiVersion()).isEqualTo("cairn.dev/v1alpha1");
              assertThat(owner.getKind()).isEqualTo("StoreCluster");
              assertThat(owner.getName()).isEqualTo("orders");
              assertThat(owner.getUid()).isEqualTo(Fixtures.UID);
              assertThat(owner.getController()).isTrue();
              assertThat(owner.getBlockOwnerDeletion()).isTrue();
            });
  }

  private static PodSpec podSpec(StoreClusterModel model) {
    return model.generateStatefulSet().getSpec().getTemplate().getSpec();
  }

  private static Container container(StoreClusterModel model) {
    List<Container> containers = podSpec(model).getContainers();
    assertThat(containers).hasSize(1);
    return containers.getFirst();
  }

  @Test
  void initialClusterOfGivenMembersIsInOrdinalOrderWithoutDuplicates() {
    StoreClusterModel model = StoreClusterModel.fromCrd(Fixtures.minimal());

    assertThat(model.initialCluster(List.of("orders-10", "orders-2", "orders-0", "orders-2")))
        .isEqualTo(
            "orders-0=http://orders-0.orders-peer.db.svc:2380,"
                + "orders-2=http://orders-2.orders-peer.db.svc:2380,"
                + "orders-10=http://orders-10.orders-peer.db.svc:2380");
    assertThat(model.initialCluster(List.of("orders-0", "orders-1", "orders-2")))
        .isEqualTo(model.initialCluster());
  }

  @Test
  void aFormedClustersBootstrapConfigMapListsTheGivenMembersAsExisting() {
    StoreClusterModel model = StoreClusterModel.fromCrd(Fixtures.minimal());

    ConfigMap map = model.generateBootstrapConfigMap(List.of("orders-0", "orders-1"));

    assertThat(map.getData())
        .containsEntry(
            StoreClusterModel.INITIAL_CLUSTER_KEY,
            "orders-0=http://orders-0.orders-peer.db.svc:2380,"
                + "orders-1=http://orders-1.orders-peer.db.svc:2380")
        .containsEntry(StoreClusterModel.INITIAL_CLUSTER_STATE_KEY, "existing");
    assertThat(model.generateStatefulSet(5).getSpec().getReplicas()).isEqualTo(5);
  }

  @ParameterizedTest
  @CsvSource({"orders-0,0", "orders-12,12", "my-db-3,3", "orders,-1", "'',-1", "orders-x,-1"})
  void ordinalIsTheNumberAfterTheLastDash(String member, int ordinal) {
    assertThat(StoreClusterModel.ordinal(member)).isEqualTo(ordinal);
  }
}
