package dev.cairn.operator.harness;

import dev.cairn.operator.member.JetcdMemberObserver;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
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

/**
 * Runs every Pod of the mock API as a real store-node JVM, on a loopback address of its own, and
 * reports back what a kubelet would: phase, pod IP, and the Ready condition from the member's own
 * {@code /readyz}. A process that dies while its Pod exists is restarted, as a container would be.
 */
final class Kubelet implements AutoCloseable {
  /** The metrics port, where the pods' probes point. */
  static final int PROBE_PORT = 2381;

  private static final Pattern VARIABLE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  /** A started container: the Pod it belongs to (by uid), its process and the volumes it uses. */
  record Started(String uid, Process process, Set<Path> volumes) {}

  /** As a kubelet's crash-loop back-off, short: a container that exited waits this long. */
  private static final Duration RESTART_DELAY = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final Path jar;
  private final Path root;
  private final HostsFile hosts;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private final Map<String, Started> running = new ConcurrentHashMap<>();
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

  private final Map<String, Long> lastStart = new HashMap<>();

  Kubelet(KubernetesClient client, Path jar, Path root, HostsFile hosts) {
    this.client = client;
    this.jar = jar;
    this.root = root;
    this.hosts = hosts;
  }

  static String key(Pod pod) {
    return key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
  }

  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** One pass: stop what lost its Pod, start what lacks a process, report readiness. */
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
    for (Pod pod : pods.values()) {
      String key = key(pod);
      Started container = running.get(key);
      if (!held.contains(key)
          && !imageUnpullable(key, pod)
          && (container == null || !container.process().isAlive())
          && restartDue(key)) {
        container = start(pod).orElse(null);
      }
      boolean isReady = container != null && container.process().isAlive() && probe(key);
      ready.put(key, isReady);
      report(pod, isReady);
    }
    ready.keySet().retainAll(pods.keySet());
    reclaimVolumes();
  }

  private boolean imageUnpullable(String key, Pod pod) {
    String image = unpullable.get(key);
    return image != null && image.equals(pod.getSpec().getContainers().getFirst().getImage());
  }

  private boolean restartDue(String key) {
    Long last = lastStart.get(key);
    return last == null || System.nanoTime() - last >= RESTART_DELAY.toNanos();
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

  /** The directory backing a claim, while the claim exists; it outlives the pods that mount it. */
  Optional<Path> volume(String namespace, String claim) {
    return Optional.ofNullable(
            client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get())
        .map(this::volumeDirectory);
  }

  private Optional<Started> start(Pod pod) {
    String key = key(pod);
    Container container = pod.getSpec().getContainers().getFirst();
    String address = addresses.computeIfAbsent(key, k -> subnet + (addresses.size() + 1));
    Optional<Map<String, String>> env = environment(pod, container, address);
    if (env.isEmpty()) {
      // As a real kubelet: CreateContainerConfigError until the ConfigMap exists.
      return Optional.empty();
    }
    Optional<Map<String, String>> mounted = volumeDirectories(pod, container);
    if (mounted.isEmpty()) {
      // As a real kubelet: the container waits until its Secret exists.
      return Optional.empty();
    }
    Map<String, String> mounts = mounted.get();
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
    lastStart.put(key, System.nanoTime());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Djdk.net.hosts.file=" + hosts.path());
    command.add("-Dsun.net.inetaddr.ttl=0");
    command.add("-Dsun.net.inetaddr.negative.ttl=0");
    // Three members share two cores with the build: start fast, stay small.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-Xmx256m");
    command.add("-jar");
    command.add(jar.toString());
    for (String arg : container.getArgs()) {
      command.add(rewrite(expand(arg, env.get()), mounts, address));
    }
    try {
      Path logs = Files.createDirectories(root.resolve("logs"));
      Path log = logs.resolve(pod.getMetadata().getName() + ".log");
      Files.writeString(
          log,
          "--- start " + String.join(" ", command) + "\n",
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      Process process =
          new ProcessBuilder(command)
              .directory(logs.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      Started started = new Started(pod.getMetadata().getUid(), process, claimed);
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
        if (value == null) {
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

  private void report(Pod pod, boolean isReady) {
    String address = addresses.get(key(pod));
    String phase = running.containsKey(key(pod)) ? "Running" : "Pending";
    boolean unchanged =
        pod.getStatus() != null
            && phase.equals(pod.getStatus().getPhase())
            && Objects.equals(address, pod.getStatus().getPodIP())
            && StatefulSetController.isReady(pod) == isReady;
    if (unchanged) {
      return;
    }
    String status = isReady ? "True" : "False";
    client
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .editStatus(
            p -> {
              p.setStatus(
                  new PodStatusBuilder()
                      .withPhase(phase)
                      .withPodIP(address)
                      .withConditions(
                          new PodConditionBuilder().withType("Ready").withStatus(status).build(),
                          new PodConditionBuilder()
                              .withType("ContainersReady")
                              .withStatus(status)
                              .build())
                      .build());
              return p;
            });
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
