package dev.cairn.operator.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.reconciler.StoreBackupReconciler;
import dev.cairn.operator.reconciler.StoreClusterReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The YAML in manifests/ parses, has the expected kinds, and grants what the operator uses. */
class ManifestsTest {
  private static final Path MANIFESTS = Path.of("..", "manifests");

  @Test
  void everyManifestParsesIntoTheExpectedKinds() throws IOException {
    Map<String, List<String>> kinds =
        Map.of(
            "namespace.yaml", List.of("Namespace"),
            "rbac.yaml", List.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding"),
            "operator.yaml", List.of("Deployment"),
            "examples/minimal.yaml", List.of("StoreCluster"),
            "examples/production.yaml", List.of("StoreCluster"),
            "examples/backups.yaml", List.of("StoreCluster"),
            "examples/storebackup.yaml", List.of("StoreBackup"),
            "examples/restore.yaml", List.of("StoreCluster"));
    kinds.forEach(
        (file, expected) ->
            assertThat(load(file)).extracting(HasMetadata::getKind).as(file).isEqualTo(expected));
    // kustomize loads only files below a kustomization's directory: the CRDs come in as a base.
    assertThat(Files.readString(MANIFESTS.resolve("kustomization.yaml")))
        .contains("- ../crds\n", "namespace.yaml", "rbac.yaml", "operator.yaml");
    assertThat(Files.readString(MANIFESTS.resolveSibling("crds").resolve("kustomization.yaml")))
        .contains("- storeclusters.cairn.dev-v1.yml", "- storebackups.cairn.dev-v1.yml");
  }

  @Test
  void theExamplesAreValidStoreClusters() throws IOException {
    StoreCluster production =
        Serialization.unmarshal(
            Files.readString(MANIFESTS.resolve("examples/production.yaml")), StoreCluster.class);

    assertThat(production.getSpec().replicas()).isEqualTo(5);
    assertThat(production.getSpec().tls().client().generated()).isTrue();
    assertThat(production.getSpec().auth().enabled()).isTrue();
    assertThat(production.getSpec().pod().affinity().getPodAntiAffinity()).isNotNull();
    assertThat(production.getSpec().pod().topologySpreadConstraints()).hasSize(1);

    StoreCluster backedUp =
        Serialization.unmarshal(
            Files.readString(MANIFESTS.resolve("examples/backups.yaml")), StoreCluster.class);
    assertThat(backedUp.getSpec().backup().schedule()).isEqualTo("0 */6 * * *");
    assertThat(backedUp.getSpec().backup().retention().keepLast()).isEqualTo(28);
    StoreCluster restored =
        Serialization.unmarshal(
            Files.readString(MANIFESTS.resolve("examples/restore.yaml")), StoreCluster.class);
    assertThat(restored.getSpec().fromBackup().orElseThrow().storeBackup())
        .isEqualTo("example-before-upgrade");
  }

  @Test
  void theClusterRoleGrantsWhatTheReconcilerTouchesAndNoDeletes() {
    ClusterRole role =
        load("rbac.yaml").stream()
            .filter(ClusterRole.class::isInstance)
            .map(ClusterRole.class::cast)
            .findFirst()
            .orElseThrow();
    List<String> granted = new ArrayList<>();
    for (PolicyRule rule : role.getRules()) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          granted.add(group + "/" + resource + ":" + String.join(",", rule.getVerbs()));
        }
      }
    }
    for (String resource :
        Stream.concat(
                StoreClusterReconciler.OWNED_RESOURCES.stream(),
                StoreBackupReconciler.OWNED_RESOURCES.stream())
            .toList()) {
      assertThat(granted).as(resource).contains(resource + ":get,list,watch,create,patch,update");
    }
    assertThat(granted)
        .contains(
            "cairn.dev/storeclusters:get,list,watch",
            "cairn.dev/storeclusters/status:get,patch,update",
            "cairn.dev/storebackups/status:get,patch,update",
            "cairn.dev/storebackups/finalizers:update",
            "/events:create");
    for (String resource : StoreClusterReconciler.DELETED_RESOURCES) {
      assertThat(granted).as(resource).contains(resource + ":get,list,watch,delete");
    }
    // Owned objects go away through garbage collection; only member pods and claims, and
    // scheduled backups past their retention, are deleted.
    assertThat(granted)
        .filteredOn(g -> g.contains("delete") || g.contains("*"))
        .allMatch(g -> StoreClusterReconciler.DELETED_RESOURCES.stream().anyMatch(g::startsWith));
  }

  @Test
  void theOperatorRunsAsNonRootOnAReadOnlyRoot() {
    Deployment deployment = (Deployment) load("operator.yaml").getFirst();
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();

    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("cairn-operator");
    assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot())
        .isTrue();
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
  }

  private static List<HasMetadata> load(String file) {
    try {
      Object parsed = Serialization.unmarshal(Files.readString(MANIFESTS.resolve(file)));
      if (parsed instanceof KubernetesList list) {
        return list.getItems();
      }
      if (parsed instanceof List<?> list) {
        return list.stream().map(HasMetadata.class::cast).collect(Collectors.toList());
      }
      return List.of((HasMetadata) parsed);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
