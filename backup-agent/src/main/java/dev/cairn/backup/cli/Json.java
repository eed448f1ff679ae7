package dev.cairn.backup.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.backup.manifest.BackupKeys;
import dev.cairn.backup.manifest.BackupManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The agent's JSON output. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** Manifests as a JSON array, each with the key of its manifest object added. */
  static String backups(List<BackupManifest> backups) {
    ArrayNode a = MAPPER.createArrayNode();
    for (BackupManifest m : backups) {
      try {
        ObjectNode o = (ObjectNode) MAPPER.readTree(m.toJson());
        o.put("manifestKey", BackupKeys.manifestKey(m.snapshotKey()));
        a.add(o);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return a.toString();
  }
}
