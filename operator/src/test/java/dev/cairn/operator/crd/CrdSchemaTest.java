package dev.cairn.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the API server will refuse, read from the committed CRD: bounds and patterns of the OpenAPI
 * schema, and the CEL rules with the messages users see. {@link CrdValidationTest} evaluates them.
 */
class CrdSchemaTest {
  private static CustomResourceDefinitionVersion version;
  private static JSONSchemaProps spec;

  @BeforeAll
  static void load() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(CrdDriftTest.COMMITTED), CustomResourceDefinition.class);
    assertThat(crd.getSpec().getGroup()).isEqualTo("cairn.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("StoreCluster");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("sc");
    version = crd.getSpec().getVersions().getFirst();
    spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
  }

  @Test
  void versionV1alpha1HasStatusAndScaleSubresources() {
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getSubresources().getStatus()).isNotNull();
    assertThat(version.getSubresources().getScale().getSpecReplicasPath())
        .isEqualTo(".spec.replicas");
    assertThat(version.getSubresources().getScale().getStatusReplicasPath())
        .isEqualTo(".status.readyReplicas");
    assertThat(version.getSubresources().getScale().getLabelSelectorPath())
        .isEqualTo(".status.selector");
  }

  @Test
  void printerColumnsShowReadinessMembersLeaderVersionAndAge() {
    assertThat(version.getAdditionalPrinterColumns())
        .extracting(c -> c.getName() + "=" + c.getJsonPath())
        .containsExactlyInAnyOrder(
            "Ready=.status.ready",
            "Members=.status.memberCount",
            "Leader=.status.leader",
            "Version=.status.version",
            "Age=.metadata.creationTimestamp");
  }

  @Test
  void replicasAreAtLeastOneAndDefaultToThree() {
    JSONSchemaProps replicas = spec.getProperties().get("replicas");

    assertThat(replicas.getMinimum()).isEqualTo(1.0);
    assertThat(replicas.getMaximum()).isEqualTo(7.0);
    assertThat(replicas.getDefault().asInt()).isEqualTo(3);
  }

  @Test
  void malformedValuesAreRefusedByPatternsAndEnums() {
    JSONSchemaProps storage = spec.getProperties().get("storage");
    JSONSchemaProps config = spec.getProperties().get("config");

    assertThat("8Gi").matches(storage.getProperties().get("size").getPattern());
    assertThat("eight gigs").doesNotMatch(storage.getProperties().get("size").getPattern());
    assertThat(storage.getProperties().get("retentionPolicy").getEnum())
        .extracting(n -> n.asText())
        .containsExactlyInAnyOrder("Retain", "Delete");
    assertThat("0.1.0").matches(spec.getProperties().get("version").getPattern());
    assertThat("latest").doesNotMatch(spec.getProperties().get("version").getPattern());
    assertThat("hourly")
        .doesNotMatch(config.getProperties().get("autoCompactionMode").getPattern());
    assertThat("1h30m").matches(config.getProperties().get("autoCompactionRetention").getPattern());
    assertThat(config.getProperties().get("heartbeatIntervalMs").getMinimum()).isEqualTo(10.0);
  }

  @Test
  void celRulesGuardImmutableStorageTimeoutsTlsAndAuth() {
    assertThat(rules(spec.getProperties().get("storage")))
        .containsExactlyInAnyOrder(
            "self.size == oldSelf.size",
            "has(self.storageClassName) == has(oldSelf.storageClassName)"
                + " && (!has(self.storageClassName)"
                + " || self.storageClassName == oldSelf.storageClassName)");
    assertThat(rules(spec.getProperties().get("config")))
        .containsExactly("self.electionTimeoutMs >= 5 * self.heartbeatIntervalMs");
    assertThat(rules(spec.getProperties().get("tls").getProperties().get("client")))
        .containsExactly("!(has(self.secretName) && has(self.generate) && self.generate)");
    assertThat(rules(spec.getProperties().get("auth")))
        .containsExactly("!self.enabled || has(self.rootSecretName)");
    assertThat(rules(spec))
        .containsExactlyInAnyOrder(
            "!has(self.auth) || !self.auth.enabled || (has(self.tls) && has(self.tls.client))",
            "has(self.bootstrap) == has(oldSelf.bootstrap)"
                + " && (!has(self.bootstrap) || self.bootstrap == oldSelf.bootstrap)");
  }

  private static java.util.List<String> rules(JSONSchemaProps props) {
    return props.getXKubernetesValidations().stream().map(ValidationRule::getRule).toList();
  }
}
