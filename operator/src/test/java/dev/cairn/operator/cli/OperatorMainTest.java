package dev.cairn.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.operator.crd.StoreBackup;
import dev.cairn.operator.crd.StoreCluster;
import dev.cairn.operator.reconciler.StoreBackupReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What java-operator-sdk makes of the reconcilers, as the operator registers them. */
@EnableKubernetesMockClient(crud = true)
class OperatorMainTest {
  KubernetesClient client;

  @Test
  void bothResourcesAreReconciledInTheWatchedNamespacesAndBackupsGetTheirFinalizer() {
    Operator operator = new Operator(o -> o.withKubernetesClient(client));

    List<RegisteredController<?>> registered = OperatorMain.register(operator, Set.of("db"));

    assertThat(registered)
        .extracting(c -> (Object) c.getConfiguration().getResourceClass())
        .containsExactly(StoreCluster.class, StoreBackup.class);
    assertThat(registered)
        .allSatisfy(
            c ->
                assertThat(c.getConfiguration().getInformerConfig().getNamespaces())
                    .containsExactly("db"));
    // The harness's operator loop handles this finalizer as the SDK does.
    assertThat(registered.get(1).getConfiguration().getFinalizerName())
        .isEqualTo(StoreBackupReconciler.FINALIZER);
  }
}
