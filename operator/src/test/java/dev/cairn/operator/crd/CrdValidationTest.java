package dev.cairn.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Specs run through the committed CRD's schema and CEL rules, evaluated with cel-java as the API
 * server evaluates them: the examples pass, each mistake a user can make is refused with its
 * message.
 */
class CrdValidationTest {
  private static JSONSchemaProps spec;

  @BeforeAll
  static void load() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(CrdDriftTest.COMMITTED), CustomResourceDefinition.class);
    spec =
        crd.getSpec()
            .getVersions()
            .getFirst()
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");
  }

  private static Object specOf(String yaml) {
    Map<?, ?> object = Serialization.unmarshal(yaml, Map.class);
    return object.get("spec");
  }

  private static List<String> create(String specYaml) {
    return SchemaValidator.errors(spec, specOf("spec:\n" + indent(specYaml)), null);
  }

  private static List<String> update(String oldSpecYaml, String newSpecYaml) {
    return SchemaValidator.errors(
        spec, specOf("spec:\n" + indent(newSpecYaml)), specOf("spec:\n" + indent(oldSpecYaml)));
  }

  private static String indent(String yaml) {
    return yaml.lines().map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n");
  }

  @Test
  void theExamplesAreValid() throws IOException {
    for (String example :
        List.of("minimal.yaml", "production.yaml", "backups.yaml", "restore.yaml")) {
      Path file =
          CrdDriftTest.COMMITTED.getParent().resolveSibling("manifests/examples/" + example);
      assertThat(SchemaValidator.errors(spec, specOf(Files.readString(file)), null))
          .as(example)
          .isEmpty();
    }
  }

  @Test
  void replicasMustBeBetweenOneAndSeven() {
    assertThat(create("replicas: 0"))
        .singleElement()
        .asString()
        .contains("greater than or equal to 1");
    assertThat(create("replicas: 9"))
        .singleElement()
        .asString()
        .contains("less than or equal to 7");
    assertThat(create("replicas: 5")).isEmpty();
  }

  @Test
  void versionsAndSizesMustParse() {
    assertThat(create("version: latest")).singleElement().asString().contains("spec.version");
    assertThat(create("storage:\n  size: lots"))
        .singleElement()
        .asString()
        .contains("spec.storage.size");
  }

  @Test
  void theElectionTimeoutMustCoverFiveHeartbeats() {
    assertThat(create("config:\n  heartbeatIntervalMs: 300\n  electionTimeoutMs: 1000"))
        .singleElement()
        .asString()
        .contains("config.electionTimeoutMs must be at least 5 times config.heartbeatIntervalMs");
    assertThat(create("config:\n  heartbeatIntervalMs: 200\n  electionTimeoutMs: 1000")).isEmpty();
  }

  @Test
  void aListenerTakesASecretOrGeneratesOneNotBoth() {
    assertThat(create("tls:\n  client:\n    secretName: mine\n    generate: true"))
        .singleElement()
        .asString()
        .contains("set either secretName or generate, not both");
    assertThat(create("tls:\n  client:\n    secretName: mine")).isEmpty();
  }

  @Test
  void authNeedsARootSecretAndClientTls() {
    assertThat(create("auth:\n  enabled: true\n  rootSecretName: root\n"))
        .singleElement()
        .asString()
        .contains("auth.enabled needs tls.client");
    assertThat(create("tls:\n  client:\n    generate: true\nauth:\n  enabled: true"))
        .singleElement()
        .asString()
        .contains("auth.rootSecretName is required when auth is enabled");
    assertThat(
            create(
                "tls:\n  client:\n    generate: true\nauth:\n  enabled: true\n  rootSecretName: root"))
        .isEmpty();
  }

  @Test
  void storageSizeAndClassCannotChange() {
    String before = "storage:\n  size: 8Gi\n  storageClassName: fast";
    assertThat(update(before, "storage:\n  size: 16Gi\n  storageClassName: fast"))
        .singleElement()
        .asString()
        .contains("storage.size is immutable");
    assertThat(update(before, "storage:\n  size: 8Gi\n  storageClassName: slow"))
        .singleElement()
        .asString()
        .contains("storage.storageClassName is immutable");
    assertThat(update("storage:\n  size: 8Gi", before))
        .singleElement()
        .asString()
        .contains("storage.storageClassName is immutable");
    // Other fields change freely.
    assertThat(update(before, before + "\n  retentionPolicy: Delete")).isEmpty();
  }

  @Test
  void aBackupNeedsABucketAndASchedulesRetentionKeepsAtLeastOne() {
    assertThat(create("backup:\n  schedule: '@daily'"))
        .singleElement()
        .asString()
        .contains("objectStore");
    assertThat(create("backup:\n  objectStore:\n    region: x")).isNotEmpty();
    assertThat(create("backup:\n  objectStore:\n    bucket: b\n  retention:\n    keepLast: 0"))
        .singleElement()
        .asString()
        .contains("greater than or equal to 1");
    assertThat(create("backup:\n  objectStore:\n    bucket: b\n  retention:\n    maxAge: 7d"))
        .isNotEmpty();
    assertThat(
            create(
                "backup:\n  schedule: '*/5 * * * *'\n  objectStore:\n    bucket: b\n"
                    + "    endpoint: http://minio:9000\n    pathStyle: true"))
        .isEmpty();
  }

  @Test
  void fromBackupNamesAStoreBackupOrABucketAndKeyNotBoth() {
    assertThat(create("bootstrap:\n  fromBackup:\n    storeBackup: nightly")).isEmpty();
    assertThat(
            create(
                "bootstrap:\n  fromBackup:\n    objectStore:\n      bucket: b\n    key: k.snapshot"))
        .isEmpty();
    assertThat(create("bootstrap:\n  fromBackup:\n    key: k.snapshot"))
        .singleElement()
        .asString()
        .contains("fromBackup names either a storeBackup, or an objectStore and a key");
    assertThat(create("bootstrap:\n  fromBackup:\n    storeBackup: nightly\n    key: k.snapshot"))
        .singleElement()
        .asString()
        .contains("fromBackup names either a storeBackup, or an objectStore and a key");
  }

  @Test
  void bootstrapCannotChangeAfterCreation() {
    String from = "replicas: 3\nbootstrap:\n  fromBackup:\n    storeBackup: nightly";
    assertThat(update(from, from.replace("replicas: 3", "replicas: 5"))).isEmpty();
    assertThat(update(from, from.replace("nightly", "weekly")))
        .singleElement()
        .asString()
        .contains("bootstrap is immutable");
    assertThat(update(from, "replicas: 3"))
        .singleElement()
        .asString()
        .contains("bootstrap is immutable");
    assertThat(update("replicas: 3", from))
        .singleElement()
        .asString()
        .contains("bootstrap is immutable");
    assertThat(update("replicas: 3", "replicas: 5")).isEmpty();
  }
}
