package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

/**
 * The cluster the user asks for. Nulls from the API are replaced by the schema's defaults, so code
 * reading a spec never sees a null except where "unset" means something (image, resources, tls,
 * storageClassName).
 *
 * @param replicas the number of voting members
 * @param version the store-node version; selects the image unless {@code image} is set
 * @param image a full image reference overriding the one derived from {@code version}
 * @param storage the members' volumes
 * @param resources CPU and memory of each member's container
 * @param config store-node settings every member gets
 * @param tls client and peer TLS
 * @param auth etcd authentication
 * @param pod additions to the members' pods
 * @param automation how long members and steps may take before the operator acts or reports
 * @param paused whether the operator leaves the cluster's objects alone (status is still updated)
 * @param backup scheduled and on-demand backups; null when not configured
 * @param bootstrap how a new cluster starts; null for an empty cluster
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.auth) || !self.auth.enabled || (has(self.tls) && has(self.tls.client))",
    message = "auth.enabled needs tls.client: passwords must not cross the network in clear")
@ValidationRule(
    value =
        "has(self.bootstrap) == has(oldSelf.bootstrap)"
            + " && (!has(self.bootstrap) || self.bootstrap == oldSelf.bootstrap)",
    message = "bootstrap is immutable: it says how the cluster was created")
public record StoreClusterSpec(
    @JsonPropertyDescription("Number of voting members; odd numbers tolerate the most failures.")
        @SpecReplicas
        @Default("3")
        @Min(1)
        @Max(MAX_REPLICAS)
        Integer replicas,
    @JsonPropertyDescription("store-node version, e.g. 0.1.0.")
        @Default(DEFAULT_VERSION)
        @Pattern("^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$")
        String version,
    @JsonPropertyDescription("Image overriding the one derived from version.") String image,
    @JsonPropertyDescription("Volumes of the members.") StorageSpec storage,
    @JsonPropertyDescription("CPU and memory of each member.") ResourceRequirements resources,
    @JsonPropertyDescription("store-node settings every member gets.") StoreConfigSpec config,
    @JsonPropertyDescription("Client and peer TLS.") TlsSpec tls,
    @JsonPropertyDescription("etcd authentication.") AuthSpec auth,
    @JsonPropertyDescription("Additions to the member pods.") PodSpecOverrides pod,
    @JsonPropertyDescription("Replacement of failed members and deadlines of steps.")
        AutomationSpec automation,
    @JsonPropertyDescription("Leave the cluster's objects alone; status is still reported.")
        @Default("false")
        Boolean paused,
    @JsonPropertyDescription("Scheduled and on-demand backups to S3-compatible object storage.")
        BackupSpec backup,
    @JsonPropertyDescription("How the cluster starts; immutable: e.g. from a backup.")
        BootstrapSpec bootstrap) {
  /** The store is tested up to seven voters; more only slows every write. */
  static final int MAX_REPLICAS = 7;

  public static final String DEFAULT_VERSION = "0.1.0";
  public static final String IMAGE_REPOSITORY = "ghcr.io/cairn-dev/store-node";

  public StoreClusterSpec {
    replicas = replicas == null ? 3 : replicas;
    version = version == null ? DEFAULT_VERSION : version;
    storage = storage == null ? StorageSpec.defaults() : storage;
    config = config == null ? StoreConfigSpec.defaults() : config;
    tls = tls == null ? new TlsSpec(null, null) : tls;
    auth = auth == null ? new AuthSpec(false, null) : auth;
    pod = pod == null ? PodSpecOverrides.none() : pod;
    automation = automation == null ? AutomationSpec.defaults() : automation;
    paused = paused != null && paused;
  }

  /** Three members of the default version with default settings. */
  public static StoreClusterSpec defaults() {
    return new StoreClusterSpec(
        null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** The image the members run. */
  public String effectiveImage() {
    return image != null ? image : IMAGE_REPOSITORY + ":" + version;
  }

  /** Whether clients connect over TLS. */
  public boolean clientTls() {
    return tls.client() != null && tls.client().enabled();
  }

  /** Whether members talk to each other over TLS. */
  public boolean peerTls() {
    return tls.peer() != null && tls.peer().enabled();
  }

  /** A copy with the fields the {@code with} methods change; the rest stay. */
  private StoreClusterSpec with(
      Integer newReplicas,
      String newVersion,
      AutomationSpec newAutomation,
      BackupSpec newBackup,
      BootstrapSpec newBootstrap) {
    return new StoreClusterSpec(
        newReplicas,
        newVersion,
        image,
        storage,
        resources,
        config,
        tls,
        auth,
        pod,
        newAutomation,
        paused,
        newBackup,
        newBootstrap);
  }

  /** A copy with another version (and so another image, unless {@code image} is set). */
  public StoreClusterSpec withVersion(String newVersion) {
    return with(replicas, newVersion, automation, backup, bootstrap);
  }

  /** A copy with other patience for members and steps. */
  public StoreClusterSpec withAutomation(AutomationSpec newAutomation) {
    return with(replicas, version, newAutomation, backup, bootstrap);
  }

  /** A copy with another number of replicas. */
  public StoreClusterSpec withReplicas(int newReplicas) {
    return with(newReplicas, version, automation, backup, bootstrap);
  }

  /** A copy with other backups. */
  public StoreClusterSpec withBackup(BackupSpec newBackup) {
    return with(replicas, version, automation, newBackup, bootstrap);
  }

  /** A copy made another way. */
  public StoreClusterSpec withBootstrap(BootstrapSpec newBootstrap) {
    return with(replicas, version, automation, backup, newBootstrap);
  }

  /** The backup to start from, when the cluster is made from one. */
  public java.util.Optional<BootstrapSpec.FromBackup> fromBackup() {
    return java.util.Optional.ofNullable(bootstrap).map(BootstrapSpec::fromBackup);
  }
}
