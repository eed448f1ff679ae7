package dev.cairn.operator.harness;

import dev.cairn.operator.member.JetcdMemberObserver;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every Pod of the mock API as real JVMs, on a loopback address of its own: its init
 * containers one at a time, then its main container, each a store-node or backup-agent process
 * chosen by image. It reports back what a kubelet would: phase, pod IP, container statuses with
 * exit codes and termination messages, and the Ready condition from a member's own {@code /readyz}.
 * A process that exits is restarted or not as the pod's restartPolicy says.
 */
final class Kubelet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Kubelet.class);

  /** The metrics port, where the pods' probes point. */
  static final int PROBE_PORT = 2381;

  private static final Pattern VARIABLE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  /** The image repository whose containers run the backup agent; any other runs store-node. */
  static final String AGENT_REPOSITORY = "backup-agent";

  private static final String DEFAULT_TERMINATION_PATH = "/dev/termination-log";
  private static final int MESSAGE_LIMIT = 4096;
  private static final int LOG_TAIL_LINES = 80;
  private static final int LOG_TAIL_LIMIT = 2048;

  /** A started container: the Pod it belongs to (by uid), its process and the volumes it uses. */
  record Started(String uid, String container, Process process, Set<Path> volumes) {}

  /** One container of a pod, across its restarts: what its status reports. */
  private static final class ContainerRun {
    final Container spec;
    final boolean init;
    int restarts;
    boolean started;
    ContainerState state;
    ContainerStateTerminated last;
    long startNanos;
    String startedAt;
    Path logFile;
    long logOffset;
    Path termination;

    ContainerRun(Container spec, boolean init, String waitingReason) {
      this.spec = spec;
      this.init = init;
      this.state = waiting(waitingReason, null);
    }

    boolean completed() {
      return state.getTerminated() != null && state.getTerminated().getExitCode() == 0;
    }
  }

  /** A pod's containers, as long as a Pod with this uid exists; finished pods keep their run. */
  private static final class PodRun {
    final String uid;
    final String restartPolicy;
    final String startTime = now();
    final List<ContainerRun> inits = new ArrayList<>();
    final ContainerRun main;

    /** Succeeded or Failed once the pod is done for good; null while it may run. */
    String finalPhase;

    PodRun(Pod pod) {
      this.uid = pod.getMetadata().getUid();
      this.restartPolicy = Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always");
      for (Container container : pod.getSpec().getInitContainers()) {
        inits.add(new ContainerRun(container, true, "PodInitializing"));
      }
      this.main =
          new ContainerRun(
              pod.getSpec().getContainers().getFirst(),
              false,
              inits.isEmpty() ? "ContainerCreating" : "PodInitializing");
    }

    /** The container to run next: the first init container not yet completed, then the main. */
    ContainerRun next() {
      return inits.stream().filter(c -> !c.completed()).findFirst().orElse(main);
    }

    ContainerRun container(String name) {
      return inits.stream().filter(c -> c.spec.getName().equals(name)).findFirst().orElse(main);
    }
  }

  /** As a kubelet's crash-loop back-off, short: a container that exited waits this long. */
  private static final Duration RESTART_DELAY = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final Path jar;
  private final Path agentJar;
  private final Path root;
  private final HostsFile hosts;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private final Map<String, Started> running = new ConcurrentHashMap<>();
  private final Map<String, PodRun> runs = new HashMap<>();
  private final Set<Path> missingImages = new HashSet<>();
  private final Map<String, String> addresses = new HashMap<>();

  /**
   * A loopback /24 of this kubelet's own, so that harnesses in other JVMs on the machine never
   * claim the same addresses.
   */
  private final String subnet =
      "127."
          + java.util.concurrent.ThreadLocalRandom.current().nextInt(16, 250)
          + "."
          + java.util.concurrent.ThreadLocalRandom.current().nextInt(1, 250)
          + ".";

  private final Map<String, Boolean> ready = new HashMap<>();
  private final Set<String> held = new HashSet<>();

  /** Pod key to the image that cannot be pulled for it. */
  private final Map<String, String> unpullable = new HashMap<>();

  Kubelet(KubernetesClient client, Path jar, Path agentJar, Path root, HostsFile hosts) {
    this.client = client;
    this.jar = jar;
    this.agentJar = agentJar;
    this.root = root;
    this.hosts = hosts;
  }

  static String key(Pod pod) {
    return key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
  }

  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** One pass: stop what lost its Pod, start what lacks a process, report status. */
  void sync() {
    Map<String, Pod> pods =
        client.pods().inAnyNamespace().list().getItems().stream()
            .collect(Collectors.toMap(Kubelet::key, p -> p));
    for (String key : List.copyOf(running.keySet())) {
      Pod pod = pods.get(key);
      if (pod == null || !pod.getMetadata().getUid().equals(running.get(key).uid())) {
        stop(key);
      }
    }
    runs.entrySet()
        .removeIf(
            e ->
                !pods.containsKey(e.getKey())
                    || !pods.get(e.getKey()).getMetadata().getUid().equals(e.getValue().uid));
    for (Pod pod : pods.values()) {
      String key = key(pod);
      PodRun run = runs.computeIfAbsent(key, k -> new PodRun(pod));
      Started current = running.get(key);
      if (current != null && !current.process().isAlive()) {
        running.remove(key);
        terminated(run, run.container(current.container()), current.process().exitValue());
        current = null;
      }
      if (current == null && run.finalPhase == null && !held.contains(key)) {
        ContainerRun next = run.next();
        if (imageUnpullable(key, next.spec)) {
          next.state = waiting("ImagePullBackOff", "harness: image " + next.spec.getImage());
        } else if (restartDue(next)) {
          current = start(pod, run, next).orElse(null);
        }
      }
      boolean isReady =
          current != null
              && current.container().equals(run.main.spec.getName())
              && current.process().isAlive()
              && (isAgent(run.main.spec) || probe(key));
      ready.put(key, isReady);
      report(pod, run, isReady);
    }
    ready.keySet().retainAll(pods.keySet());
    reclaimVolumes();
  }

  /**
   * Records a container's exit, and what follows from the restart policy: a completed init
   * container is done for the life of the pod, a main container that is not restarted ends it.
   */
  private void terminated(PodRun run, ContainerRun container, int exitCode) {
    ContainerStateTerminated terminated =
        new ContainerStateTerminatedBuilder()
            .withExitCode(exitCode)
            .withReason(exitCode == 0 ? "Completed" : "Error")
            .withMessage(terminationMessage(container, exitCode))
            .withStartedAt(container.startedAt)
            .withFinishedAt(now())
            .build();
    boolean restarted =
        switch (run.restartPolicy) {
          case "Never" -> false;
          case "OnFailure" -> exitCode != 0;
          default -> !container.init || exitCode != 0;
        };
    if (restarted) {
      container.last = terminated;
      container.state =
          waiting(
              "CrashLoopBackOff",
              "back-off " + RESTART_DELAY.toSeconds() + "s restarting failed container");
    } else {
      container.state = new ContainerStateBuilder().withTerminated(terminated).build();
      if (!container.init) {
        run.finalPhase = exitCode == 0 ? "Succeeded" : "Failed";
      } else if (exitCode != 0) {
        run.finalPhase = "Failed";
      }
    }
  }

  /**
   * The file at terminationMessagePath, or with FallbackToLogsOnError and a failure the tail of
   * this run's log, as the kubelet reports them.
   */
  private static String terminationMessage(ContainerRun container, int exitCode) {
    try {
      String message =
          Files.exists(container.termination) ? head(container.termination, MESSAGE_LIMIT) : "";
      if (message.isEmpty()
          && exitCode != 0
          && "FallbackToLogsOnError".equals(container.spec.getTerminationMessagePolicy())) {
        message = logTail(container.logFile, container.logOffset);
      }
      return message.isEmpty() ? null : message;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String head(Path file, int limit) throws IOException {
    try (var in = Files.newInputStream(file)) {
      return new String(in.readNBytes(limit), StandardCharsets.UTF_8);
    }
  }

  /** The last lines the run wrote to its log (from {@code offset}), within the kubelet's limits. */
  static String logTail(Path logFile, long offset) throws IOException {
    byte[] written;
    try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
      long from = Math.max(offset, file.length() - LOG_TAIL_LIMIT);
      written = new byte[(int) (file.length() - from)];
      file.seek(from);
      file.readFully(written);
    }
    List<String> lines = Arrays.asList(new String(written, StandardCharsets.UTF_8).split("\n"));
    return String.join(
            "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()))
        .strip();
  }

  private boolean imageUnpullable(String key, Container container) {
    String image = unpullable.get(key);
    return image != null && image.equals(container.getImage());
  }

  /** A container runs again only after the back-off; the next container starts at once. */
  private static boolean restartDue(ContainerRun container) {
    return !container.started
        || System.nanoTime() - container.startNanos >= RESTART_DELAY.toNanos();
  }

  /** Whether the image is the backup agent's: its repository (without tag or digest) says so. */
  static boolean isAgent(Container container) {
    String image = Objects.requireNonNullElse(container.getImage(), "");
    int digest = image.indexOf('@');
    String repository = digest < 0 ? image : image.substring(0, digest);
    int tag = repository.lastIndexOf(':');
    if (tag > repository.lastIndexOf('/')) {
      repository = repository.substring(0, tag);
    }
    return repository.equals(AGENT_REPOSITORY) || repository.endsWith("/" + AGENT_REPOSITORY);
  }

  private static ContainerState waiting(String reason, String message) {
    return new ContainerStateBuilder()
        .withNewWaiting()
        .withReason(reason)
        .withMessage(message)
        .endWaiting()
        .build();
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /**
   * A dynamic provisioner with reclaim policy Delete: a claim's directory goes once the claim is
   * gone (or was made anew, with another uid) and no container uses it.
   */
  private void reclaimVolumes() {
    Path volumes = root.resolve("volumes");
    if (!Files.isDirectory(volumes)) {
      return;
    }
    Set<Path> live = new HashSet<>();
    for (PersistentVolumeClaim claim :
        client.persistentVolumeClaims().inAnyNamespace().list().getItems()) {
      live.add(volumeDirectory(claim));
    }
    for (Started container : running.values()) {
      if (container.process().isAlive()) {
        live.addAll(container.volumes());
      }
    }
    try (var namespaces = Files.list(volumes)) {
      for (Path namespace : namespaces.toList()) {
        try (var claims = Files.list(namespace)) {
          for (Path claim : claims.toList()) {
            try (var uids = Files.list(claim)) {
              for (Path dir : uids.toList()) {
                if (!live.contains(dir)) {
                  LocalCluster.delete(dir);
                }
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where a claim's data lives: one directory per claim object, by uid. */
  private Path volumeDirectory(PersistentVolumeClaim claim) {
    return root.resolve("volumes")
        .resolve(claim.getMetadata().getNamespace())
        .resolve(claim.getMetadata().getName())
        .resolve(claim.getMetadata().getUid());
  }

  /** The pod's loopback address, once it has one. */
  Optional<String> address(String namespace, String pod) {
    return Optional.ofNullable(addresses.get(key(namespace, pod)));
  }

  boolean isReady(String namespace, String pod) {
    return ready.getOrDefault(key(namespace, pod), false);
  }

  /** Whether any store-node process is still alive. */
  boolean anyRunning() {
    return running.values().stream().anyMatch(c -> c.process().isAlive());
  }

  /** Keeps the pod from being (re)started until {@link #release}, to observe it being down. */
  void hold(String namespace, String pod) {
    held.add(key(namespace, pod));
  }

  void release(String namespace, String pod) {
    held.remove(key(namespace, pod));
  }

  /** The pod's container cannot start while its image is {@code image}: ImagePullBackOff. */
  void failImage(String namespace, String pod, String image) {
    unpullable.put(key(namespace, pod), image);
  }

  /** kill -9: no shutdown hook, no flush beyond what the member already made durable. */
  void kill(String namespace, String pod) {
    Started container = running.remove(key(namespace, pod));
    if (container != null) {
      container.process().destroyForcibly();
      container.process().onExit().join();
    }
  }

  /** kill -9 of the running container only: the Pod stays, and its restartPolicy decides. */
  void killContainer(String namespace, String pod) {
    Started container = running.get(key(namespace, pod));
    if (container != null) {
      container.process().destroyForcibly();
      container.process().onExit().join();
    }
  }

  /** The directory backing a claim, while the claim exists; it outlives the pods that mount it. */
  Optional<Path> volume(String namespace, String claim) {
    return Optional.ofNullable(
            client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get())
        .map(this::volumeDirectory);
  }

  private Optional<Started> start(Pod pod, PodRun run, ContainerRun containerRun) {
    String key = key(pod);
    Container container = containerRun.spec;
    if (container.getCommand() != null && !container.getCommand().isEmpty()) {
      containerRun.state =
          waiting("CreateContainerError", "harness: images run by their entrypoint, args only");
      return Optional.empty();
    }
    Path image = isAgent(container) ? agentJar : jar;
    if (!Files.isRegularFile(image)) {
      if (missingImages.add(image)) {
        log.error("{} is missing: ./mvnw install -pl store-node,backup-agent first", image);
      }
      containerRun.state =
          waiting(
              "ErrImagePull",
              image + " is missing: ./mvnw install -pl store-node,backup-agent first");
      return Optional.empty();
    }
    String address = addresses.computeIfAbsent(key, k -> subnet + (addresses.size() + 1));
    Optional<Map<String, String>> env = environment(pod, container, address);
    if (env.isEmpty()) {
      // As a real kubelet: CreateContainerConfigError until the ConfigMap or Secret exists.
      containerRun.state =
          waiting("CreateContainerConfigError", "harness: an env source is missing");
      return Optional.empty();
    }
    Optional<Map<String, String>> mounted = volumeDirectories(pod, container);
    if (mounted.isEmpty()) {
      // As a real kubelet: the container waits until its claim or Secret exists.
      containerRun.state = waiting("ContainerCreating", "harness: a volume is missing");
      return Optional.empty();
    }
    Path termination =
        root.resolve("termination")
            .resolve(pod.getMetadata().getNamespace())
            .resolve(pod.getMetadata().getName())
            .resolve(container.getName());
    // The termination message path first, so that no mount above it takes the argument.
    Map<String, String> mounts = new LinkedHashMap<>();
    mounts.put(
        Objects.requireNonNullElse(container.getTerminationMessagePath(), DEFAULT_TERMINATION_PATH),
        termination.toString());
    mounts.putAll(mounted.get());
    Set<Path> claimed =
        pod.getSpec().getVolumes().stream()
            .filter(v -> v.getPersistentVolumeClaim() != null)
            .map(
                v ->
                    volume(
                        pod.getMetadata().getNamespace(),
                        v.getPersistentVolumeClaim().getClaimName()))
            .flatMap(Optional::stream)
            .collect(Collectors.toSet());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Djdk.net.hosts.file=" + hosts.path());
    command.add("-Dsun.net.inetaddr.ttl=0");
    command.add("-Dsun.net.inetaddr.negative.ttl=0");
    // Three members share two cores with the build: start fast, stay small.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add(isAgent(container) ? "-Xmx128m" : "-Xmx256m");
    command.add("-jar");
    command.add(image.toString());
    for (String arg : container.getArgs()) {
      command.add(rewrite(expand(arg, env.get()), mounts, address));
    }
    try {
      // A fresh, empty message file for each run: a restarted container reports only its own.
      Files.createDirectories(termination.getParent());
      Files.deleteIfExists(termination);
      Files.createFile(termination);
      Path home =
          Files.createDirectories(
              root.resolve("home")
                  .resolve(pod.getMetadata().getNamespace())
                  .resolve(pod.getMetadata().getName()));
      Path logs = Files.createDirectories(root.resolve("logs"));
      Path logFile =
          logs.resolve(
              pod.getMetadata().getName()
                  + (containerRun.init ? "-" + container.getName() : "")
                  + ".log");
      Files.writeString(
          logFile,
          "--- start " + String.join(" ", command) + "\n",
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(logs.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      // Only what a container would have: none of the test JVM's variables (credentials above all).
      Map<String, String> environment = builder.environment();
      environment.clear();
      environment.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
      environment.put("HOSTNAME", pod.getMetadata().getName());
      // The AWS SDK looks for ~/.aws files here; and no instance metadata to wait for off EC2.
      environment.put("HOME", home.toString());
      environment.put("AWS_EC2_METADATA_DISABLED", "true");
      environment.putAll(env.get());
      containerRun.logOffset = Files.size(logFile);
      Process process = builder.start();
      containerRun.logFile = logFile;
      containerRun.termination = termination;
      containerRun.startNanos = System.nanoTime();
      containerRun.startedAt = now();
      if (containerRun.started) {
        containerRun.restarts++;
      }
      containerRun.started = true;
      containerRun.state =
          new ContainerStateBuilder()
              .withNewRunning()
              .withStartedAt(containerRun.startedAt)
              .endRunning()
              .build();
      Started started = new Started(run.uid, container.getName(), process, claimed);
      running.put(key, started);
      return Optional.of(started);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The container's variables, resolved as the kubelet does; empty while a source is missing. */
  private Optional<Map<String, String>> environment(Pod pod, Container container, String address) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar variable : container.getEnv()) {
      String value;
      if (variable.getValueFrom() == null) {
        value = expand(variable.getValue() == null ? "" : variable.getValue(), env);
      } else if (variable.getValueFrom().getFieldRef() != null) {
        value =
            switch (variable.getValueFrom().getFieldRef().getFieldPath()) {
              case "metadata.name" -> pod.getMetadata().getName();
              case "metadata.namespace" -> pod.getMetadata().getNamespace();
              case "status.podIP" -> address;
              default ->
                  throw new UnsupportedOperationException(
                      variable.getValueFrom().getFieldRef().getFieldPath());
            };
      } else if (variable.getValueFrom().getConfigMapKeyRef() != null) {
        ConfigMapKeySelector ref = variable.getValueFrom().getConfigMapKeyRef();
        ConfigMap map =
            client
                .configMaps()
                .inNamespace(pod.getMetadata().getNamespace())
                .withName(ref.getName())
                .get();
        value = map == null || map.getData() == null ? null : map.getData().get(ref.getKey());
        if (value == null && Boolean.TRUE.equals(ref.getOptional())) {
          continue;
        } else if (value == null) {
          return Optional.empty();
        }
      } else if (variable.getValueFrom().getSecretKeyRef() != null) {
        SecretKeySelector ref = variable.getValueFrom().getSecretKeyRef();
        Secret secret =
            client
                .secrets()
                .inNamespace(pod.getMetadata().getNamespace())
                .withName(ref.getName())
                .get();
        value = secret == null ? null : JetcdMemberObserver.decode(secret).get(ref.getKey());
        if (value == null && Boolean.TRUE.equals(ref.getOptional())) {
          continue;
        } else if (value == null) {
          return Optional.empty();
        }
      } else {
        throw new UnsupportedOperationException("env source of " + variable.getName());
      }
      env.put(variable.getName(), value);
    }
    return Optional.of(env);
  }

  /** {@code $(VAR)} expands to a defined variable; an undefined reference stays as written. */
  static String expand(String text, Map<String, String> env) {
    Matcher matcher = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String value = env.getOrDefault(matcher.group(1), matcher.group());
      matcher.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return matcher.appendTail(out).toString();
  }

  /**
   * Mount paths mapped to directories: a claim's directory, or for a Secret a directory of the pod
   * holding one file per key, written afresh at each start. Empty while a Secret is missing.
   */
  private Optional<Map<String, String>> volumeDirectories(Pod pod, Container container) {
    Map<String, Volume> volumes = new HashMap<>();
    for (Volume volume : pod.getSpec().getVolumes()) {
      volumes.put(volume.getName(), volume);
    }
    Map<String, String> mounts = new LinkedHashMap<>();
    try {
      for (VolumeMount mount : container.getVolumeMounts()) {
        Volume volume = volumes.get(mount.getName());
        Path dir;
        if (volume == null) {
          continue;
        } else if (volume.getPersistentVolumeClaim() != null) {
          Optional<Path> claimed =
              volume(
                  pod.getMetadata().getNamespace(),
                  volume.getPersistentVolumeClaim().getClaimName());
          if (claimed.isEmpty()) {
            // As a real kubelet: the pod waits until its claim exists.
            return Optional.empty();
          }
          dir = claimed.get();
          Files.createDirectories(dir);
        } else if (volume.getSecret() != null) {
          Secret secret =
              client
                  .secrets()
                  .inNamespace(pod.getMetadata().getNamespace())
                  .withName(volume.getSecret().getSecretName())
                  .get();
          if (secret == null) {
            return Optional.empty();
          }
          dir =
              root.resolve("secrets")
                  .resolve(pod.getMetadata().getNamespace())
                  .resolve(pod.getMetadata().getName())
                  .resolve(volume.getName());
          Files.createDirectories(dir);
          for (var entry : JetcdMemberObserver.decode(secret).entrySet()) {
            Files.writeString(dir.resolve(entry.getKey()), entry.getValue());
          }
        } else {
          continue;
        }
        mounts.put(mount.getMountPath(), dir.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.of(mounts);
  }

  /** An argument as seen from this machine: volumes at their directories, 0.0.0.0 at the pod. */
  static String rewrite(String arg, Map<String, String> mounts, String address) {
    String rewritten = arg.replace("0.0.0.0", address);
    int equals = rewritten.indexOf('=');
    if (equals < 0) {
      return rewritten;
    }
    String value = rewritten.substring(equals + 1);
    for (var mount : mounts.entrySet()) {
      if (value.equals(mount.getKey()) || value.startsWith(mount.getKey() + "/")) {
        return rewritten.substring(0, equals + 1)
            + mount.getValue()
            + value.substring(mount.getKey().length());
      }
    }
    return rewritten;
  }

  private boolean probe(String key) {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://" + addresses.get(key) + ":" + PROBE_PORT + "/readyz"))
            .timeout(Duration.ofSeconds(1))
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Writes the pod's status as the kubelet would see it, when it differs from the stored one. */
  private void report(Pod pod, PodRun run, boolean isReady) {
    String address = addresses.get(key(pod));
    boolean initialized = run.inits.stream().allMatch(ContainerRun::completed);
    String phase =
        run.finalPhase != null ? run.finalPhase : run.main.started ? "Running" : "Pending";
    String ready = isReady ? "True" : "False";
    PodStatus desired =
        new PodStatusBuilder()
            .withPhase(phase)
            .withPodIP(address)
            .withStartTime(run.startTime)
            .withConditions(
                new PodConditionBuilder().withType("Ready").withStatus(ready).build(),
                new PodConditionBuilder().withType("ContainersReady").withStatus(ready).build(),
                new PodConditionBuilder()
                    .withType("Initialized")
                    .withStatus(initialized ? "True" : "False")
                    .build(),
                new PodConditionBuilder().withType("PodScheduled").withStatus("True").build())
            .withInitContainerStatuses(
                run.inits.stream().map(c -> status(c, c.completed())).toList())
            .withContainerStatuses(status(run.main, isReady))
            .build();
    // Compared as stored: the API server's copy went through JSON, so the new one goes too.
    var serialization = client.getKubernetesSerialization();
    if (serialization
        .unmarshal(serialization.asJson(desired), PodStatus.class)
        .equals(pod.getStatus())) {
      return;
    }
    client
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .editStatus(
            p -> {
              p.setStatus(desired);
              return p;
            });
  }

  private static ContainerStatus status(ContainerRun container, boolean isReady) {
    return new ContainerStatusBuilder()
        .withName(container.spec.getName())
        .withImage(container.spec.getImage())
        .withReady(isReady)
        .withStarted(container.init ? null : container.state.getRunning() != null)
        .withRestartCount(container.restarts)
        .withState(container.state)
        .withLastState(
            container.last == null
                ? null
                : new ContainerStateBuilder().withTerminated(container.last).build())
        .build();
  }

  private void stop(String key) {
    Started container = running.remove(key);
    ready.remove(key);
    if (container == null) {
      return;
    }
    // A deleted pod's container gets SIGTERM and a grace period, then SIGKILL.
    container.process().destroy();
    try {
      container.process().onExit().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      container.process().destroyForcibly();
      container.process().onExit().join();
    }
  }

  /** Stops every process. */
  @Override
  public void close() {
    for (Started container : running.values()) {
      container.process().destroyForcibly();
    }
    for (Started container : running.values()) {
      container.process().onExit().join();
    }
    running.clear();
  }
}
