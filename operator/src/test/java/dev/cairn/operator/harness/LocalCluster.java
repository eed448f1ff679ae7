package dev.cairn.operator.harness;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * fabric8's mock API server (CRUD mode) made to act enough like a cluster for the operator: a
 * StatefulSet controller, a kubelet running real store-node processes, Service DNS through a hosts
 * file, and garbage collection by owner references. Everything runs in one loop, level-triggered
 * like Kubernetes' own controllers, so no two parts race each other.
 */
public final class LocalCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);

  /** Held strongly: java.util.logging forgets the level of a logger nobody references. */
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  /** How often the loop looks; the pace at which the fake cluster reacts. */
  private static final long PERIOD_MILLIS = 200;

  /** The owner kinds garbage collection knows; objects owned by anything else are left alone. */
  private static final Set<String> OWNER_KINDS =
      Set.of("StoreCluster", "StatefulSet", "Job", "StoreBackup");

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final HostsFile hosts;
  private final StatefulSetController statefulSets;
  private final JobController jobs;
  private final Kubelet kubelet;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  private final Map<String, String> clientServiceTargets = new HashMap<>();
  private final List<Watch> watches = new ArrayList<>();
  private final AtomicBoolean passQueued = new AtomicBoolean();

  /** Should the test JVM exit without {@link #close} (surefire's timeout), members die with it. */
  private final Thread orphanGuard;

  private Map<String, String> names = Map.of();

  private LocalCluster(Path repository, Path root) {
    Path jar = repository.resolve("store-node/target/store-node.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: ./mvnw install -pl store-node first");
    }
    Path hostsPath =
        Path.of(
            Objects.requireNonNull(
                System.getProperty("jdk.net.hosts.file"),
                "run with -Djdk.net.hosts.file (operator/pom.xml sets it for surefire)"));
    this.hosts = HostsFile.reset(hostsPath);
    this.server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    // As in Kubernetes, a PUT of a StatefulSet or Job (the reconciler's update) must keep its
    // status; the mock server keeps it only for kinds it knows to have a status subresource.
    server.expectCustomResource(
        new CustomResourceDefinitionContext.Builder()
            .withGroup("apps")
            .withVersion("v1")
            .withPlural("statefulsets")
            .withKind("StatefulSet")
            .withScope("Namespaced")
            .withStatusSubresource(true)
            .build());
    server.expectCustomResource(
        new CustomResourceDefinitionContext.Builder()
            .withGroup("batch")
            .withVersion("v1")
            .withPlural("jobs")
            .withKind("Job")
            .withScope("Namespaced")
            .withStatusSubresource(true)
            .build());
    this.client = server.createClient();
    // One line per request is more than a failing test's output can show usefully.
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    this.statefulSets = new StatefulSetController(client);
    this.jobs = new JobController(client);
    // Checked when a container needs it, so tests without backups need only store-node built.
    Path agentJar = repository.resolve("backup-agent/target/backup-agent.jar");
    this.kubelet = new Kubelet(client, jar, agentJar, root, hosts);
    this.orphanGuard = new Thread(kubelet::close, "harness-orphan-guard");
    Runtime.getRuntime().addShutdownHook(orphanGuard);
    // The mock server learns the status subresources of the custom resources from their CRDs;
    // StoreBackup's once its CRD is in the repository.
    createCrd(repository.resolve("crds/storeclusters.cairn.dev-v1.yml"));
    Path backups = repository.resolve("crds/storebackups.cairn.dev-v1.yml");
    if (Files.exists(backups)) {
      createCrd(backups);
    }
    // The period catches what no event announces (a process dying, readiness); watches make the
    // harness react to API changes at once, as the real controllers do.
    watches.add(client.apps().statefulSets().inAnyNamespace().watch(new Trigger<>()));
    watches.add(client.pods().inAnyNamespace().watch(new Trigger<>()));
    watches.add(client.batch().v1().jobs().inAnyNamespace().watch(new Trigger<>()));
    loop.scheduleWithFixedDelay(this::syncSafely, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void createCrd(Path file) {
    try (InputStream crd = Files.newInputStream(file)) {
      client
          .resource(
              client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class))
          .create();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a pass after any change; passes are idempotent, so extra ones cost only time. */
  private final class Trigger<T> implements Watcher<T> {
    @Override
    public void eventReceived(Action action, T resource) {
      // A burst of events needs one pass, not one each.
      if (passQueued.compareAndSet(false, true)) {
        try {
          loop.execute(
              () -> {
                passQueued.set(false);
                syncSafely();
              });
        } catch (RejectedExecutionException closing) {
          passQueued.set(false);
        }
      }
    }

    @Override
    public void onClose(WatcherException cause) {
      log.warn("Harness watch closed: {}", cause.toString());
    }
  }

  /**
   * Starts a cluster whose state lives under {@code root}.
   *
   * @param root the test's temporary directory: volumes and process logs
   */
  public static LocalCluster start(Path root) {
    return new LocalCluster(repository(), root);
  }

  /** The repository root: surefire passes it; from an IDE, the module's parent. */
  static Path repository() {
    String configured = System.getProperty("harness.repo");
    return configured != null ? Path.of(configured) : Path.of("").toAbsolutePath().getParent();
  }

  /** A client of the mock API server. */
  public KubernetesClient client() {
    return client;
  }

  /** Kills the pod's process (kill -9) and deletes the Pod; its StatefulSet recreates it. */
  public void killPod(String namespace, String pod) {
    onLoop(
        () -> {
          kubelet.kill(namespace, pod);
          client.pods().inNamespace(namespace).withName(pod).delete();
        });
  }

  /**
   * Kills the pod's running container (kill -9) and leaves the Pod: the container is restarted, or
   * the pod ends, as its restartPolicy says.
   */
  public void killContainer(String namespace, String pod) {
    onLoop(() -> kubelet.killContainer(namespace, pod));
  }

  /**
   * As {@link #killPod}, and the pod's claims are deleted too, as when a node and its local disk
   * are lost: the StatefulSet makes new, empty ones.
   */
  public void loseVolume(String namespace, String pod) {
    onLoop(
        () -> {
          Pod current = client.pods().inNamespace(namespace).withName(pod).get();
          kubelet.kill(namespace, pod);
          if (current != null) {
            current.getSpec().getVolumes().stream()
                .filter(v -> v.getPersistentVolumeClaim() != null)
                .forEach(
                    v ->
                        client
                            .persistentVolumeClaims()
                            .inNamespace(namespace)
                            .withName(v.getPersistentVolumeClaim().getClaimName())
                            .delete());
          }
          client.pods().inNamespace(namespace).withName(pod).delete();
        });
  }

  /** The directory backing a claim, while the claim exists. */
  public Optional<Path> volume(String namespace, String claim) {
    return onLoop(() -> kubelet.volume(namespace, claim));
  }

  /**
   * The pod cannot start while its container's image is {@code image}, as when an image cannot be
   * pulled: an injected failure for one member of a rollout.
   */
  public void failImage(String namespace, String pod, String image) {
    onLoop(() -> kubelet.failImage(namespace, pod, image));
  }

  /** Keeps the pod from being (re)started until {@link #releasePod}, to look at it being down. */
  public void holdPod(String namespace, String pod) {
    onLoop(() -> kubelet.hold(namespace, pod));
  }

  public void releasePod(String namespace, String pod) {
    onLoop(() -> kubelet.release(namespace, pod));
  }

  /** Whether any store-node process still runs. */
  public boolean anyMemberRunning() {
    return onLoop(kubelet::anyRunning);
  }

  private void onLoop(Runnable action) {
    onLoop(
        () -> {
          action.run();
          return null;
        });
  }

  private <T> T onLoop(Callable<T> action) {
    try {
      return loop.submit(action).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void syncSafely() {
    try {
      collectGarbage();
      statefulSets.sync();
      jobs.sync();
      kubelet.sync();
      publishNames();
    } catch (RuntimeException e) {
      // The next pass retries, as controllers do; a persistent failure shows in the test's wait.
      log.warn("Harness pass failed: {}", e.toString());
    }
  }

  /**
   * Service DNS: a headless Service names each pod whose subdomain it is ({@code
   * POD.SERVICE.NS.svc}), ready or not when it publishes not-ready addresses; any other Service
   * resolves to one ready pod it selects, kept while that pod stays ready.
   */
  private void publishNames() {
    Map<String, String> next = new HashMap<>();
    List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
    for (Service service : client.services().inAnyNamespace().list().getItems()) {
      String namespace = service.getMetadata().getNamespace();
      String serviceName = service.getMetadata().getName();
      Map<String, String> selector = service.getSpec().getSelector();
      List<Pod> selected =
          pods.stream()
              .filter(p -> namespace.equals(p.getMetadata().getNamespace()))
              .filter(
                  p ->
                      selector != null
                          && p.getMetadata()
                              .getLabels()
                              .entrySet()
                              .containsAll(selector.entrySet()))
              .filter(p -> kubelet.address(namespace, p.getMetadata().getName()).isPresent())
              .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
              .toList();
      if ("None".equals(service.getSpec().getClusterIP())) {
        boolean notReadyToo = Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses());
        for (Pod pod : selected) {
          String podName = pod.getMetadata().getName();
          if (serviceName.equals(pod.getSpec().getSubdomain())
              && (notReadyToo || kubelet.isReady(namespace, podName))) {
            next.put(
                pod.getSpec().getHostname() + "." + serviceName + "." + namespace + ".svc",
                kubelet.address(namespace, podName).orElseThrow());
          }
        }
      } else {
        String host = serviceName + "." + namespace + ".svc";
        List<String> readyPods =
            selected.stream()
                .map(p -> p.getMetadata().getName())
                .filter(p -> kubelet.isReady(namespace, p))
                .toList();
        String current = clientServiceTargets.get(host);
        String target =
            readyPods.contains(current) ? current : readyPods.stream().findFirst().orElse(null);
        if (target == null) {
          clientServiceTargets.remove(host);
        } else {
          clientServiceTargets.put(host, target);
          next.put(host, kubelet.address(namespace, target).orElseThrow());
        }
      }
    }
    if (!next.equals(names)) {
      hosts.write(next);
      names = next;
    }
  }

  /**
   * Kubernetes' garbage collector, for the owners this harness knows: an object whose owners are
   * all gone is deleted, and what it owned follows on a later pass.
   */
  private void collectGarbage() {
    Set<String> owners = new HashSet<>();
    Set<String> ownerKinds = new HashSet<>(OWNER_KINDS);
    client
        .genericKubernetesResources("cairn.dev/v1alpha1", "StoreCluster")
        .inAnyNamespace()
        .list()
        .getItems()
        .forEach(c -> owners.add(c.getMetadata().getUid()));
    try {
      client
          .genericKubernetesResources("cairn.dev/v1alpha1", "StoreBackup")
          .inAnyNamespace()
          .list()
          .getItems()
          .forEach(b -> owners.add(b.getMetadata().getUid()));
    } catch (KubernetesClientException unknownKind) {
      // No StoreBackup CRD in this mock server: none exist, but what names one as owner is kept
      // rather than taken for orphaned.
      ownerKinds.remove("StoreBackup");
    }
    Stream.<List<? extends HasMetadata>>of(
            client.apps().statefulSets().inAnyNamespace().list().getItems(),
            client.batch().v1().jobs().inAnyNamespace().list().getItems())
        .flatMap(List::stream)
        .forEach(o -> owners.add(o.getMetadata().getUid()));
    Stream.<List<? extends HasMetadata>>of(
            client.apps().statefulSets().inAnyNamespace().list().getItems(),
            client.batch().v1().jobs().inAnyNamespace().list().getItems(),
            client.pods().inAnyNamespace().list().getItems(),
            client.services().inAnyNamespace().list().getItems(),
            client.configMaps().inAnyNamespace().list().getItems(),
            client.secrets().inAnyNamespace().list().getItems(),
            client.policy().v1().podDisruptionBudget().inAnyNamespace().list().getItems(),
            client.persistentVolumeClaims().inAnyNamespace().list().getItems())
        .flatMap(List::stream)
        .filter(object -> orphaned(object, owners, ownerKinds))
        .forEach(object -> client.resource(object).delete());
  }

  private static boolean orphaned(
      HasMetadata object, Set<String> liveOwners, Set<String> ownerKinds) {
    List<OwnerReference> references = object.getMetadata().getOwnerReferences();
    return !references.isEmpty()
        && references.stream().allMatch(o -> ownerKinds.contains(o.getKind()))
        && references.stream().noneMatch(o -> liveOwners.contains(o.getUid()));
  }

  static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the loop, every store-node process, the client and the mock server. */
  @Override
  public void close() {
    watches.forEach(Watch::close);
    loop.shutdown();
    try {
      loop.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    loop.shutdownNow();
    kubelet.close();
    try {
      Runtime.getRuntime().removeShutdownHook(orphanGuard);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs anyway; the members are already gone.
    }
    client.close();
    server.destroy();
    hosts.write(Map.of());
  }
}
