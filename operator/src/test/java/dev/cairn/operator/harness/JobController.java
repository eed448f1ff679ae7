package dev.cairn.operator.harness;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What kube-controller-manager does for a Job of one completion: one pod at a time from the
 * template, a new one after a failed one until {@code backoffLimit} failures are exceeded, and the
 * status conditions Complete or Failed. Finished pods stay until the Job goes.
 */
final class JobController {
  private static final Logger log = LoggerFactory.getLogger(JobController.class);

  /** The job's back-off before its next pod, short as the harness's crash-loop back-off. */
  private static final Duration BACKOFF = Duration.ofSeconds(1);

  private static final int DEFAULT_BACKOFF_LIMIT = 6;

  /** The letters Kubernetes picks generated name suffixes from. */
  private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private final KubernetesClient client;

  /** Job uid to the failures seen so far and when the last one was seen. */
  private final Map<String, Failures> failures = new HashMap<>();

  private final Set<String> rejected = new HashSet<>();

  private record Failures(int count, long seenNanos) {}

  JobController(KubernetesClient client) {
    this.client = client;
  }

  /** One level-triggered pass over every Job. */
  void sync() {
    List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
    Set<String> live = new HashSet<>();
    for (Job job : client.batch().v1().jobs().inAnyNamespace().list().getItems()) {
      live.add(job.getMetadata().getUid());
      if (supported(job)) {
        sync(job, owned(job, pods));
      }
    }
    failures.keySet().retainAll(live);
    rejected.retainAll(live);
  }

  /** What the API server would reject, or this controller does not do, is left alone. */
  private boolean supported(Job job) {
    String policy = job.getSpec().getTemplate().getSpec().getRestartPolicy();
    boolean supported =
        ("Never".equals(policy) || "OnFailure".equals(policy))
            && Objects.requireNonNullElse(job.getSpec().getCompletions(), 1) == 1
            && Objects.requireNonNullElse(job.getSpec().getParallelism(), 1) == 1;
    if (!supported && rejected.add(job.getMetadata().getUid())) {
      log.warn(
          "Harness runs no pods for Job {}: restartPolicy must be Never or OnFailure, and"
              + " completions and parallelism 1",
          job.getMetadata().getName());
    }
    return supported;
  }

  private static List<Pod> owned(Job job, List<Pod> pods) {
    return pods.stream()
        .filter(p -> job.getMetadata().getNamespace().equals(p.getMetadata().getNamespace()))
        .filter(
            p ->
                p.getMetadata().getOwnerReferences().stream()
                    .anyMatch(
                        o ->
                            Boolean.TRUE.equals(o.getController())
                                && job.getMetadata().getUid().equals(o.getUid())))
        .toList();
  }

  private void sync(Job job, List<Pod> pods) {
    JobStatus current = Objects.requireNonNullElseGet(job.getStatus(), JobStatus::new);
    List<Pod> active = pods.stream().filter(p -> !finished(p)).toList();
    int succeeded = (int) pods.stream().filter(p -> phase(p).equals("Succeeded")).count();
    int failed = (int) pods.stream().filter(p -> phase(p).equals("Failed")).count();
    String startTime = Objects.requireNonNullElseGet(current.getStartTime(), JobController::now);
    List<JobCondition> conditions = new ArrayList<>(current.getConditions());
    String completionTime = current.getCompletionTime();
    if (!finished(conditions)) {
      int backoffLimit =
          Objects.requireNonNullElse(job.getSpec().getBackoffLimit(), DEFAULT_BACKOFF_LIMIT);
      Long deadline = job.getSpec().getActiveDeadlineSeconds();
      if (succeeded > 0) {
        completionTime = now();
        conditions.add(condition("SuccessCriteriaMet", "CompletionsReached", null));
        conditions.add(condition("Complete", "CompletionsReached", null));
      } else if (failed + restarts(active) > backoffLimit) {
        conditions.addAll(
            failure("BackoffLimitExceeded", "Job has reached the specified backoff limit"));
      } else if (deadline != null
          && Instant.parse(startTime).plusSeconds(deadline).isBefore(Instant.now())) {
        conditions.addAll(
            failure("DeadlineExceeded", "Job was active longer than specified deadline"));
      } else if (active.isEmpty()
          && !Boolean.TRUE.equals(job.getSpec().getSuspend())
          && backedOff(job, failed)) {
        active = List.of(client.resource(pod(job)).create());
      }
      if (finished(conditions) && !active.isEmpty()) {
        // A finished Job leaves no pod running; the finished ones stay, for their statuses.
        active.forEach(p -> client.resource(p).delete());
        active = List.of();
      }
    }
    JobStatus desired =
        new JobStatusBuilder(current)
            .withStartTime(startTime)
            .withCompletionTime(completionTime)
            .withActive(active.isEmpty() ? null : active.size())
            .withReady((int) active.stream().filter(StatefulSetController::isReady).count())
            .withSucceeded(succeeded == 0 ? null : succeeded)
            .withFailed(failed == 0 ? null : failed)
            .withConditions(conditions)
            .build();
    var serialization = client.getKubernetesSerialization();
    if (serialization
        .unmarshal(serialization.asJson(desired), JobStatus.class)
        .equals(job.getStatus())) {
      return;
    }
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(job.getMetadata().getNamespace())
        .withName(job.getMetadata().getName())
        .editStatus(
            j -> {
              j.setStatus(desired);
              return j;
            });
  }

  /** Under restartPolicy OnFailure the kubelet's restarts count against the backoff limit. */
  private static int restarts(List<Pod> pods) {
    return pods.stream()
        .filter(p -> p.getStatus() != null)
        .flatMap(
            p ->
                Stream.concat(
                    p.getStatus().getInitContainerStatuses().stream(),
                    p.getStatus().getContainerStatuses().stream()))
        .mapToInt(c -> Objects.requireNonNullElse(c.getRestartCount(), 0))
        .sum();
  }

  private static boolean finished(Pod pod) {
    return phase(pod).equals("Succeeded") || phase(pod).equals("Failed");
  }

  private static String phase(Pod pod) {
    return pod.getStatus() == null
        ? "Pending"
        : Objects.requireNonNullElse(pod.getStatus().getPhase(), "Pending");
  }

  /** Complete or Failed: the Job runs no more pods. */
  static boolean finished(List<JobCondition> conditions) {
    return conditions.stream()
        .anyMatch(
            c ->
                ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                    && "True".equals(c.getStatus()));
  }

  private static JobCondition condition(String type, String reason, String message) {
    String now = now();
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(message)
        .withLastProbeTime(now)
        .withLastTransitionTime(now)
        .build();
  }

  /** FailureTarget first, then Failed, as Kubernetes 1.31 and later set them. */
  private static List<JobCondition> failure(String reason, String message) {
    return List.of(
        condition("FailureTarget", reason, message), condition("Failed", reason, message));
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /**
   * After a failed pod, the next one waits the back-off, counted from when the failure was seen.
   */
  private boolean backedOff(Job job, int failed) {
    String uid = job.getMetadata().getUid();
    Failures seen = failures.get(uid);
    if (seen == null || seen.count() != failed) {
      seen = new Failures(failed, System.nanoTime());
      failures.put(uid, seen);
    }
    return failed == 0 || System.nanoTime() - seen.seenNanos() >= BACKOFF.toNanos();
  }

  private Pod pod(Job job) {
    String name = job.getMetadata().getName();
    String uid = job.getMetadata().getUid();
    Map<String, String> labels = new LinkedHashMap<>();
    if (job.getSpec().getTemplate().getMetadata() != null) {
      labels.putAll(job.getSpec().getTemplate().getMetadata().getLabels());
    }
    labels.put("job-name", name);
    labels.put("batch.kubernetes.io/job-name", name);
    labels.put("controller-uid", uid);
    labels.put("batch.kubernetes.io/controller-uid", uid);
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      suffix.append(
          SUFFIX_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(SUFFIX_ALPHABET.length())));
    }
    return new PodBuilder()
        .withNewMetadata()
        .withName(name + "-" + suffix)
        .withNamespace(job.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(
            job.getSpec().getTemplate().getMetadata() == null
                ? Map.of()
                : job.getSpec().getTemplate().getMetadata().getAnnotations())
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion("batch/v1")
                .withKind("Job")
                .withName(name)
                .withUid(uid)
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build())
        .endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec())
        .build();
  }
}
