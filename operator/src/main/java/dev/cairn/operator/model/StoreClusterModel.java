package dev.cairn.operator.model;

import static dev.cairn.operator.crd.StoreClusterResources.CLIENT_PORT;
import static dev.cairn.operator.crd.StoreClusterResources.METRICS_PORT;
import static dev.cairn.operator.crd.StoreClusterResources.PEER_PORT;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cairn.operator.crd.BackupLocation;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterResources;
import dev.cairn.operator.crd.StoreClusterSpec;
import dev.cairn.operator.crd.TlsEndpointSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The objects one StoreCluster owns, computed from the resource alone. Build with {@link #fromCrd};
 * every {@code generate*} method returns a fresh object and never calls the API server.
 */
public final class StoreClusterModel {
  public static final String CONTAINER = "store-node";
  public static final String DATA_VOLUME = "data";
  public static final String DATA_DIR = "/var/lib/cairn";
  public static final String CLIENT_TLS_DIR = "/etc/cairn/tls/client";
  public static final String PEER_TLS_DIR = "/etc/cairn/tls/peer";
  public static final String INITIAL_CLUSTER_KEY = "initial-cluster";
  public static final String INITIAL_CLUSTER_STATE_KEY = "initial-cluster-state";

  /** The non-root user of the store image; fsGroup makes the volume writable for it. */
  static final long RUN_AS_USER = 65532L;

  /** Seconds a member may take to open its data and catch up before liveness applies. */
  static final int STARTUP_SECONDS = 300;

  static final int PROBE_PERIOD_SECONDS = 5;

  private final String name;
  private final String namespace;
  private final StoreClusterSpec spec;
  private final OwnerReference owner;
  private final boolean bootstrapped;
  private final BackupLocation restore;

  private StoreClusterModel(
      String name,
      String namespace,
      StoreClusterSpec spec,
      OwnerReference owner,
      boolean bootstrapped,
      BackupLocation restore) {
    this.name = name;
    this.namespace = namespace;
    this.spec = spec;
    this.owner = owner;
    this.bootstrapped = bootstrapped;
    this.restore = restore;
  }

  /**
   * The model of a StoreCluster as read from the API server.
   *
   * @throws IllegalArgumentException when the resource has no name or namespace
   */
  public static StoreClusterModel fromCrd(StoreCluster cluster) {
    String name = Objects.requireNonNull(cluster.getMetadata().getName(), "metadata.name");
    String namespace =
        Objects.requireNonNull(cluster.getMetadata().getNamespace(), "metadata.namespace");
    StoreClusterSpec spec =
        cluster.getSpec() == null ? StoreClusterSpec.defaults() : cluster.getSpec();
    OwnerReference owner =
        new OwnerReferenceBuilder()
            .withApiVersion(cluster.getApiVersion())
            .withKind(cluster.getKind())
            .withName(name)
            .withUid(cluster.getMetadata().getUid())
            .withController(true)
            .withBlockOwnerDeletion(true)
            .build();
    // Once a cluster id has been seen, the cluster exists: a member that starts without data must
    // join it, never found a second cluster of the same name.
    boolean bootstrapped = cluster.getStatus() != null && cluster.getStatus().clusterId() != null;
    // A backup named by bucket and key is known at once; one named by StoreBackup once the
    // reconciler has resolved and recorded it.
    BackupLocation restore =
        spec.fromBackup()
            .filter(from -> from.storeBackup() == null)
            .map(from -> new BackupLocation(from.objectStore(), from.key()))
            .orElse(cluster.getStatus() == null ? null : cluster.getStatus().restoredFrom());
    return new StoreClusterModel(name, namespace, spec, owner, bootstrapped, restore);
  }

  /** This model with its members restoring {@code location} before their first start. */
  public StoreClusterModel withRestore(BackupLocation location) {
    return new StoreClusterModel(name, namespace, spec, owner, bootstrapped, location);
  }

  /** The backup the members restore at creation, if the cluster is made from one. */
  public Optional<BackupLocation> restore() {
    return Optional.ofNullable(restore);
  }

  public String name() {
    return name;
  }

  public String namespace() {
    return namespace;
  }

  public StoreClusterSpec spec() {
    return spec;
  }

  /** The members' quorum: the fewest voters that can still commit. */
  public int quorum() {
    return spec.replicas() / 2 + 1;
  }

  /** The scheme of client URLs. */
  public String clientScheme() {
    return spec.clientTls() ? "https" : "http";
  }

  /** The scheme of peer URLs. */
  public String peerScheme() {
    return spec.peerTls() ? "https" : "http";
  }

  /** The client endpoint: the client Service's URL. */
  public String clientEndpoint() {
    return clientScheme()
        + "://"
        + StoreClusterResources.clientHost(name, namespace)
        + ":"
        + CLIENT_PORT;
  }

  /** The DNS names members are reached at, through the peer Service. */
  public List<String> memberHosts() {
    return StoreClusterResources.memberNames(name, spec.replicas()).stream()
        .map(member -> StoreClusterResources.memberHost(name, namespace, member))
        .toList();
  }

  /** {@code --initial-cluster}: every member's name and peer URL. */
  public String initialCluster() {
    return initialCluster(StoreClusterResources.memberNames(name, spec.replicas()));
  }

  /**
   * {@code --initial-cluster} for the given members, in ordinal order: what a member joining a
   * running cluster must be told, the current members and itself.
   */
  public String initialCluster(List<String> members) {
    return members.stream()
        .distinct()
        .sorted(java.util.Comparator.comparingInt(StoreClusterModel::ordinal))
        .map(member -> member + "=" + peerUrl(member))
        .collect(Collectors.joining(","));
  }

  /** A member's peer URL, at its DNS name under the peer Service. */
  public String peerUrl(String member) {
    return peerScheme()
        + "://"
        + StoreClusterResources.memberHost(name, namespace, member)
        + ":"
        + PEER_PORT;
  }

  /** A member's ordinal, the number after its last dash; -1 when there is none. */
  public static int ordinal(String member) {
    int dash = member.lastIndexOf('-');
    try {
      return Integer.parseInt(member.substring(dash + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Whether the cluster has formed: a cluster id has been seen. */
  public boolean bootstrapped() {
    return bootstrapped;
  }

  /** The Secret mounted for the client listener, or null without client TLS. */
  public String clientTlsSecret() {
    return tlsSecret(spec.tls().client(), StoreClusterResources.clientTlsSecretName(name));
  }

  /**
   * The Secret whose certificate the operator and backup Jobs present to the members: the generated
   * operator certificate (CN root), or a user-provided client Secret, which must then hold a
   * certificate usable as a client too.
   */
  public String clientCertificateSecret() {
    return spec.tls().client().generated()
        ? StoreClusterResources.operatorTlsSecretName(name)
        : clientTlsSecret();
  }

  /** The Secret mounted for the peer listener, or null without peer TLS. */
  public String peerTlsSecret() {
    return tlsSecret(spec.tls().peer(), StoreClusterResources.peerTlsSecretName(name));
  }

  private static String tlsSecret(TlsEndpointSpec tls, String generatedName) {
    if (tls == null || !tls.enabled()) {
      return null;
    }
    return tls.generated() ? generatedName : tls.secretName();
  }

  /** Whether the operator has to make a CA and certificates. */
  public boolean generatesTls() {
    return (spec.tls().client() != null && spec.tls().client().generated())
        || (spec.tls().peer() != null && spec.tls().peer().generated());
  }

  /** Metadata of an owned object: name, namespace, the operator's labels, the owner reference. */
  public ObjectMeta metadata(String objectName, String component) {
    return new ObjectMetaBuilder()
        .withName(objectName)
        .withNamespace(namespace)
        .withLabels(Labels.of(name, component))
        .withOwnerReferences(owner)
        .build();
  }

  /**
   * The headless Service that gives each member its DNS name. It publishes members that are not
   * ready yet, because members must find each other before any of them can be ready.
   */
  public Service generatePeerService() {
    return new ServiceBuilder()
        .withMetadata(metadata(StoreClusterResources.peerServiceName(name), "peer"))
        .withNewSpec()
        .withClusterIP("None")
        .withPublishNotReadyAddresses(true)
        .withSelector(Labels.selector(name))
        .withPorts(port("client", CLIENT_PORT), port("peer", PEER_PORT))
        .endSpec()
        .build();
  }

  /** The Service clients connect to; it routes only to ready members. */
  public Service generateClientService() {
    return new ServiceBuilder()
        .withMetadata(metadata(StoreClusterResources.clientServiceName(name), "client"))
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(Labels.selector(name))
        .withPorts(port("client", CLIENT_PORT))
        .endSpec()
        .build();
  }

  private static ServicePort port(String portName, int port) {
    return new ServicePortBuilder()
        .withName(portName)
        .withPort(port)
        .withTargetPort(new IntOrString(portName))
        .withProtocol("TCP")
        .build();
  }

  /**
   * The bootstrap settings the members read at their first start. They live in a ConfigMap rather
   * than in the pod template so that moving from {@code new} to {@code existing} does not roll the
   * members; a member with data ignores them.
   */
  public ConfigMap generateBootstrapConfigMap() {
    return bootstrapConfigMap(initialCluster(), bootstrapped ? "existing" : "new");
  }

  /**
   * The bootstrap settings for a running cluster whose members are {@code members}: a member that
   * starts without data joins them ({@code existing}).
   */
  public ConfigMap generateBootstrapConfigMap(List<String> members) {
    return bootstrapConfigMap(initialCluster(members), "existing");
  }

  private ConfigMap bootstrapConfigMap(String initialCluster, String state) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(INITIAL_CLUSTER_KEY, initialCluster);
    data.put(INITIAL_CLUSTER_STATE_KEY, state);
    return new ConfigMapBuilder()
        .withMetadata(metadata(StoreClusterResources.bootstrapConfigMapName(name), "bootstrap"))
        .withData(data)
        .build();
  }

  /** Keeps a quorum of members up through voluntary disruptions such as node drains. */
  public PodDisruptionBudget generatePodDisruptionBudget() {
    return generatePodDisruptionBudget(spec.replicas());
  }

  /**
   * As {@link #generatePodDisruptionBudget()} for a cluster of {@code voters} members: while the
   * membership changes, the quorum that matters is the one of the members there are, not of the
   * spec (scaling 5 to 3, a budget of 2 would let a drain take three of five).
   */
  public PodDisruptionBudget generatePodDisruptionBudget(int voters) {
    return new PodDisruptionBudgetBuilder()
        .withMetadata(metadata(StoreClusterResources.podDisruptionBudgetName(name), "store"))
        .withNewSpec()
        .withMinAvailable(new IntOrString(voters / 2 + 1))
        .withNewSelector()
        .withMatchLabels(Labels.selector(name))
        .endSelector()
        .endSpec()
        .build();
  }

  /**
   * The members. Pods start in parallel: with ordered start, member 0 would wait to be ready, which
   * it cannot be before a quorum of its peers is up.
   */
  public StatefulSet generateStatefulSet() {
    return generateStatefulSet(spec.replicas());
  }

  /**
   * The members' StatefulSet with {@code replicas} pods: once the cluster has formed, the pods
   * follow the members the cluster lists, which the operator adds and removes one at a time, not
   * spec.replicas directly.
   */
  public StatefulSet generateStatefulSet(int replicas) {
    Map<String, String> podLabels = new LinkedHashMap<>(spec.pod().labels());
    podLabels.putAll(Labels.of(name, "store"));
    return new StatefulSetBuilder()
        .withMetadata(metadata(StoreClusterResources.statefulSetName(name), "store"))
        .withNewSpec()
        .withReplicas(replicas)
        .withServiceName(StoreClusterResources.peerServiceName(name))
        .withPodManagementPolicy("Parallel")
        .withNewSelector()
        .withMatchLabels(Labels.selector(name))
        .endSelector()
        // The operator replaces pods itself, one member at a time and the leader last, after
        // checking health between steps; a rolling update would not wait for the members.
        .withNewUpdateStrategy()
        .withType("OnDelete")
        .endUpdateStrategy()
        // A removed member's volume is never reused: its data belongs to a member the cluster
        // no longer knows. Deleting the whole cluster keeps or drops volumes as asked.
        .withNewPersistentVolumeClaimRetentionPolicy()
        .withWhenScaled("Delete")
        .withWhenDeleted(spec.storage().retentionPolicy().name())
        .endPersistentVolumeClaimRetentionPolicy()
        .withTemplate(podTemplate(podLabels))
        .withVolumeClaimTemplates(volumeClaimTemplate())
        .endSpec()
        .build();
  }

  /**
   * The members' pod template, annotated with a hash of itself: a pod whose hash differs runs an
   * older template (another image, other flags) and is due for replacement.
   */
  private PodTemplateSpec podTemplate(Map<String, String> podLabels) {
    PodTemplateSpec template =
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .withLabels(podLabels)
            .withAnnotations(new TreeMap<>(spec.pod().annotations()))
            .endMetadata()
            .withSpec(podSpec())
            .build();
    Map<String, String> annotations = new TreeMap<>(template.getMetadata().getAnnotations());
    annotations.put(StoreClusterResources.TEMPLATE_HASH_ANNOTATION, templateHash(template));
    template.getMetadata().setAnnotations(annotations);
    return template;
  }

  /** The pod template hash the members should run. */
  public String podTemplateHash() {
    return generateStatefulSet(spec.replicas())
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(StoreClusterResources.TEMPLATE_HASH_ANNOTATION);
  }

  private static String templateHash(PodTemplateSpec template) {
    try {
      // Sorted map keys: the same template hashes the same in every operator process.
      byte[] json = HASH_MAPPER.writeValueAsBytes(HASH_MAPPER.convertValue(template, Object.class));
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(json);
      return HexFormat.of().formatHex(digest, 0, 5);
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final ObjectMapper HASH_MAPPER =
      new ObjectMapper()
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private PersistentVolumeClaim volumeClaimTemplate() {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(DATA_VOLUME)
        .withLabels(Labels.of(name, "store"))
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withStorageClassName(spec.storage().storageClassName())
        .withNewResources()
        .addToRequests("storage", new Quantity(spec.storage().size()))
        .endResources()
        .endSpec()
        .build();
  }

  private PodSpec podSpec() {
    return new PodSpecBuilder()
        .withInitContainers(
            restore().map(from -> BackupObjects.restoreContainer(this, from)).stream().toList())
        .withContainers(container())
        .withVolumes(volumes())
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(30L)
        .withSecurityContext(podSecurity())
        .withAffinity(spec.pod().affinity())
        .withTolerations(spec.pod().tolerations())
        .withNodeSelector(spec.pod().nodeSelector())
        .withTopologySpreadConstraints(spec.pod().topologySpreadConstraints())
        .withPriorityClassName(spec.pod().priorityClassName())
        .build();
  }

  private Container container() {
    return new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(spec.effectiveImage())
        .withArgs(args())
        .withEnv(env())
        .addNewPort()
        .withName("client")
        .withContainerPort(CLIENT_PORT)
        .endPort()
        .addNewPort()
        .withName("peer")
        .withContainerPort(PEER_PORT)
        .endPort()
        .withVolumeMounts(volumeMounts())
        .withResources(spec.resources())
        .addNewPort()
        .withName("metrics")
        .withContainerPort(METRICS_PORT)
        .endPort()
        .withStartupProbe(probe("/readyz", STARTUP_SECONDS / PROBE_PERIOD_SECONDS))
        .withReadinessProbe(probe("/readyz", 3))
        .withLivenessProbe(probe("/livez", 6))
        .withSecurityContext(containerSecurity())
        .build();
  }

  /** Every pod the operator makes runs as a fixed non-root user under the default seccomp. */
  static PodSecurityContext podSecurity() {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(RUN_AS_USER)
        .withRunAsGroup(RUN_AS_USER)
        .withFsGroup(RUN_AS_USER)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  /** Every container the operator makes: a read-only root, no capabilities, no escalation. */
  static SecurityContext containerSecurity() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }

  /**
   * A probe of a member: an HTTP GET of etcd's {@code /readyz} or {@code /livez} on the plain-HTTP
   * metrics port, which answers the same with or without client TLS.
   */
  Probe probe(String path, int failureThreshold) {
    return new ProbeBuilder()
        .withPeriodSeconds(PROBE_PERIOD_SECONDS)
        .withTimeoutSeconds(3)
        .withFailureThreshold(failureThreshold)
        .withNewHttpGet()
        .withPath(path)
        .withPort(new IntOrString(METRICS_PORT))
        .endHttpGet()
        .build();
  }

  /** The members' variables: their name and the bootstrap settings. */
  List<EnvVar> env() {
    return List.of(
        new EnvVarBuilder()
            .withName("POD_NAME")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.name")
            .endFieldRef()
            .endValueFrom()
            .build(),
        configMapEnv("INITIAL_CLUSTER", INITIAL_CLUSTER_KEY),
        configMapEnv("INITIAL_CLUSTER_STATE", INITIAL_CLUSTER_STATE_KEY));
  }

  private EnvVar configMapEnv(String variable, String key) {
    return new EnvVarBuilder()
        .withName(variable)
        .withNewValueFrom()
        .withNewConfigMapKeyRef()
        .withName(StoreClusterResources.bootstrapConfigMapName(name))
        .withKey(key)
        .endConfigMapKeyRef()
        .endValueFrom()
        .build();
  }

  /** A member's own peer URL, {@code $(POD_NAME)} standing for its name. */
  String selfPeerUrl() {
    return peerScheme() + "://" + self() + ".svc:" + PEER_PORT;
  }

  private String self() {
    return "$(POD_NAME)." + StoreClusterResources.peerServiceName(name) + "." + namespace;
  }

  /** store-node's command line; {@code $(VAR)} is expanded by the kubelet from {@link #env()}. */
  List<String> args() {
    String self = self();
    List<String> args = new ArrayList<>();
    args.add("--name=$(POD_NAME)");
    args.add("--data-dir=" + DATA_DIR);
    args.add("--listen-client-urls=" + clientScheme() + "://0.0.0.0:" + CLIENT_PORT);
    args.add("--advertise-client-urls=" + clientScheme() + "://" + self + ".svc:" + CLIENT_PORT);
    args.add("--listen-peer-urls=" + peerScheme() + "://0.0.0.0:" + PEER_PORT);
    args.add("--listen-metrics-urls=http://0.0.0.0:" + METRICS_PORT);
    args.add("--initial-advertise-peer-urls=" + selfPeerUrl());
    args.add("--initial-cluster=$(INITIAL_CLUSTER)");
    args.add("--initial-cluster-state=$(INITIAL_CLUSTER_STATE)");
    args.add("--initial-cluster-token=" + StoreClusterResources.clusterToken(name, namespace));
    args.add("--snapshot-count=" + spec.config().snapshotCount());
    args.add("--heartbeat-interval=" + spec.config().heartbeatIntervalMs());
    args.add("--election-timeout=" + spec.config().electionTimeoutMs());
    args.add("--quota-backend-bytes=" + spec.config().quotaBackendBytes());
    args.add("--auto-compaction-mode=" + spec.config().autoCompactionMode());
    args.add("--auto-compaction-retention=" + spec.config().autoCompactionRetention());
    if (spec.clientTls()) {
      args.add("--cert-file=" + CLIENT_TLS_DIR + "/tls.crt");
      args.add("--key-file=" + CLIENT_TLS_DIR + "/tls.key");
      args.add("--trusted-ca-file=" + CLIENT_TLS_DIR + "/ca.crt");
      args.add("--client-cert-auth=true");
    }
    if (spec.peerTls()) {
      args.add("--peer-cert-file=" + PEER_TLS_DIR + "/tls.crt");
      args.add("--peer-key-file=" + PEER_TLS_DIR + "/tls.key");
      args.add("--peer-trusted-ca-file=" + PEER_TLS_DIR + "/ca.crt");
      args.add("--peer-client-cert-auth=true");
    }
    if (spec.auth().enabled()) {
      args.add("--auth-token=simple");
    }
    return args;
  }

  private List<VolumeMount> volumeMounts() {
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(mount(DATA_VOLUME, DATA_DIR, false));
    // The root filesystem is read-only; the JVM still wants a writable temporary directory.
    mounts.add(mount("tmp", "/tmp", false));
    if (spec.clientTls()) {
      mounts.add(mount("client-tls", CLIENT_TLS_DIR, true));
    }
    if (spec.peerTls()) {
      mounts.add(mount("peer-tls", PEER_TLS_DIR, true));
    }
    return mounts;
  }

  static VolumeMount mount(String volume, String path, boolean readOnly) {
    return new VolumeMountBuilder()
        .withName(volume)
        .withMountPath(path)
        .withReadOnly(readOnly)
        .build();
  }

  private List<Volume> volumes() {
    List<Volume> volumes = new ArrayList<>();
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
    if (spec.clientTls()) {
      volumes.add(secretVolume("client-tls", clientTlsSecret()));
    }
    if (spec.peerTls()) {
      volumes.add(secretVolume("peer-tls", peerTlsSecret()));
    }
    return volumes;
  }

  private static Volume secretVolume(String volume, String secret) {
    return new VolumeBuilder()
        .withName(volume)
        .withNewSecret()
        .withSecretName(secret)
        .withDefaultMode(0440)
        .endSecret()
        .build();
  }
}
