package dev.cairn.operator;

import dev.cairn.operator.crd.AuthSpec;
import dev.cairn.operator.crd.AutomationSpec;
import dev.cairn.operator.crd.PodSpecOverrides;
import dev.cairn.operator.crd.RetentionPolicy;
import dev.cairn.operator.crd.StorageSpec;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.crd.StoreClusterSpec;
import dev.cairn.operator.crd.StoreConfigSpec;
import dev.cairn.operator.crd.TlsEndpointSpec;
import dev.cairn.operator.crd.TlsSpec;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import java.util.List;
import java.util.Map;

/** StoreCluster resources the tests start from. */
public final class Fixtures {
  public static final String NAMESPACE = "db";
  public static final String NAME = "orders";
  public static final String UID = "6f1c1d52-4b7e-4f5c-9c1e-2d7f3b0a9e11";

  private Fixtures() {}

  /** Three members, everything defaulted. */
  public static StoreCluster minimal() {
    return withMetadata(StoreCluster.of(NAMESPACE, NAME, StoreClusterSpec.defaults()));
  }

  /** Five members with generated TLS on both listeners, auth, and every pod override. */
  public static StoreCluster production() {
    StoreClusterSpec spec =
        new StoreClusterSpec(
            5,
            "0.2.0",
            null,
            new StorageSpec("50Gi", "fast-ssd", RetentionPolicy.Delete),
            new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity("1"))
                .addToRequests("memory", new Quantity("2Gi"))
                .addToLimits("memory", new Quantity("2Gi"))
                .build(),
            new StoreConfigSpec(4L * 1024 * 1024 * 1024, "revision", "1000", 50_000L, 200, 2000),
            new TlsSpec(new TlsEndpointSpec(null, true), new TlsEndpointSpec(null, true)),
            new AuthSpec(true, "orders-root"),
            new PodSpecOverrides(
                Map.of("team", "payments", "app.kubernetes.io/instance", "ignored"),
                Map.of("prometheus.io/scrape", "false"),
                new AffinityBuilder()
                    .withNewPodAntiAffinity()
                    .addNewRequiredDuringSchedulingIgnoredDuringExecution()
                    .withTopologyKey("kubernetes.io/hostname")
                    .withNewLabelSelector()
                    .addToMatchLabels("app.kubernetes.io/instance", NAME)
                    .endLabelSelector()
                    .endRequiredDuringSchedulingIgnoredDuringExecution()
                    .endPodAntiAffinity()
                    .build(),
                List.of(
                    new TolerationBuilder()
                        .withKey("dedicated")
                        .withOperator("Equal")
                        .withValue("db")
                        .withEffect("NoSchedule")
                        .build()),
                Map.of("pool", "db"),
                List.of(
                    new TopologySpreadConstraintBuilder()
                        .withMaxSkew(1)
                        .withTopologyKey("topology.kubernetes.io/zone")
                        .withWhenUnsatisfiable("DoNotSchedule")
                        .withNewLabelSelector()
                        .addToMatchLabels("app.kubernetes.io/instance", NAME)
                        .endLabelSelector()
                        .build()),
                "db-critical"),
            new AutomationSpec("30m", "15m"),
            false,
            null,
            null);
    return withMetadata(StoreCluster.of(NAMESPACE, NAME, spec));
  }

  private static StoreCluster withMetadata(StoreCluster cluster) {
    cluster.getMetadata().setUid(UID);
    cluster.getMetadata().setGeneration(1L);
    return cluster;
  }
}
