package dev.cairn.backup.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * What a backup holds, stored as a JSON object beside its snapshot and written last: a snapshot
 * without a manifest is not a backup.
 *
 * @param clusterId the cluster the snapshot was taken from
 * @param memberId the member that streamed it
 * @param revision the highest revision in the snapshot
 * @param size the snapshot object's size in bytes, its SHA-256 trailer included
 * @param sha256 lower-case hex SHA-256 of the whole snapshot object (what {@code sha256sum} prints)
 * @param createdAt when the snapshot was taken, to the second
 * @param storeVersion the member's server version, as Maintenance Status reports it
 * @param snapshotKey the object key of the snapshot
 */
public record BackupManifest(
    long clusterId,
    long memberId,
    long revision,
    long size,
    String sha256,
    Instant createdAt,
    String storeVersion,
    String snapshotKey) {
  /** Bumped when a field changes meaning; readers refuse versions they do not know. */
  public static final int FORMAT_VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  public BackupManifest {
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(storeVersion, "storeVersion");
    Objects.requireNonNull(snapshotKey, "snapshotKey");
  }

  /** Ids are written in hex, as etcdctl prints them, so no JSON reader rounds them. */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("formatVersion", FORMAT_VERSION);
    o.put("clusterId", Long.toHexString(clusterId));
    o.put("memberId", Long.toHexString(memberId));
    o.put("revision", revision);
    o.put("size", size);
    o.put("sha256", sha256);
    o.put("createdAt", createdAt.toString());
    o.put("storeVersion", storeVersion);
    o.put("snapshotKey", snapshotKey);
    return o.toString();
  }

  public byte[] toJsonBytes() {
    return toJson().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * @throws IOException naming what is missing or malformed
   */
  public static BackupManifest fromJson(byte[] json) throws IOException {
    JsonNode o;
    try {
      o = JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException("the manifest is not JSON: " + e.getOriginalMessage());
    }
    if (o == null || !o.isObject()) {
      throw new IOException("the manifest is not a JSON object");
    }
    int version = field(o, "formatVersion").asInt();
    if (version != FORMAT_VERSION) {
      throw new IOException(
          "the manifest has format version "
              + version
              + "; this backup-agent reads version "
              + FORMAT_VERSION);
    }
    try {
      return new BackupManifest(
          Long.parseUnsignedLong(field(o, "clusterId").asText(), 16),
          Long.parseUnsignedLong(field(o, "memberId").asText(), 16),
          field(o, "revision").asLong(),
          field(o, "size").asLong(),
          field(o, "sha256").asText(),
          Instant.parse(field(o, "createdAt").asText()),
          field(o, "storeVersion").asText(),
          field(o, "snapshotKey").asText());
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IOException("the manifest has a malformed field: " + e.getMessage());
    }
  }

  private static JsonNode field(JsonNode o, String name) throws IOException {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) {
      throw new IOException("the manifest has no " + name);
    }
    return v;
  }
}
