package dev.cairn.backup.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackupManifestTest {
  private static final BackupManifest M =
      new BackupManifest(
          0xcdf818194e3a8c32L,
          0x8e9e05c52164694dL,
          123456,
          10_240_032,
          "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
          Instant.parse("2026-12-04T17:05:09Z"),
          "3.6.0",
          "prod/cdf818194e3a8c32/20261204T170509Z-r123456.snapshot");

  @Test
  void writesEveryFieldWithIdsInHex() throws Exception {
    JsonNode o = new ObjectMapper().readTree(M.toJson());
    assertThat(o.get("formatVersion").asInt()).isEqualTo(1);
    assertThat(o.get("clusterId").asText()).isEqualTo("cdf818194e3a8c32");
    assertThat(o.get("memberId").asText()).isEqualTo("8e9e05c52164694d");
    assertThat(o.get("revision").asLong()).isEqualTo(123456);
    assertThat(o.get("size").asLong()).isEqualTo(10_240_032);
    assertThat(o.get("sha256").asText()).startsWith("9f86d081");
    assertThat(o.get("createdAt").asText()).isEqualTo("2026-12-04T17:05:09Z");
    assertThat(o.get("storeVersion").asText()).isEqualTo("3.6.0");
    assertThat(o.get("snapshotKey").asText()).isEqualTo(M.snapshotKey());
  }

  @Test
  void readsWhatItWrites() throws Exception {
    assertThat(BackupManifest.fromJson(M.toJsonBytes())).isEqualTo(M);
  }

  @Test
  void refusesAManifestItCannotTrust() {
    assertThatThrownBy(() -> BackupManifest.fromJson("not json".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("not JSON");
    String noSha = M.toJson().replaceAll(",\"sha256\":\"[0-9a-f]+\"", "");
    assertThatThrownBy(() -> BackupManifest.fromJson(noSha.getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("no sha256");
    String future = M.toJson().replace("\"formatVersion\":1", "\"formatVersion\":2");
    assertThatThrownBy(() -> BackupManifest.fromJson(future.getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("format version 2");
  }
}
