package dev.cairn.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The committed CRDs are the ones the model generates. */
class CrdDriftTest {
  static final String FILE = "storeclusters.cairn.dev-v1.yml";
  static final Path COMMITTED = Path.of("..", "crds", FILE);
  static final String BACKUP_FILE = "storebackups.cairn.dev-v1.yml";

  @ParameterizedTest
  @ValueSource(strings = {FILE, BACKUP_FILE})
  void theCommittedCrdMatchesTheGeneratedOne(String file) throws IOException {
    String generated;
    try (InputStream in = CrdDriftTest.class.getResourceAsStream("/META-INF/fabric8/" + file)) {
      assertThat(in).as("the build generates target/classes/META-INF/fabric8/" + file).isNotNull();
      generated = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String committed = Files.readString(Path.of("..", "crds", file));

    assertThat(committed)
        .as(
            "crds/%s differs from the CRD generated from the model. If the model change is"
                + " intended, update it with: cp operator/target/classes/META-INF/fabric8/%s crds/",
            file, file)
        .isEqualTo(generated);
  }
}
