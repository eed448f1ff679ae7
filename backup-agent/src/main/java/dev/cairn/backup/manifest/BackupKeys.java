package dev.cairn.backup.manifest;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Where a backup's objects live:
 *
 * <pre>
 * PREFIX/CLUSTERID/YYYYMMDDTHHMMSSZ-rREVISION.snapshot        the snapshot, as the member streamed it
 * PREFIX/CLUSTERID/YYYYMMDDTHHMMSSZ-rREVISION.manifest.json   its manifest, written last
 * </pre>
 *
 * The cluster id is in hex; the time is UTC, so keys of one cluster sort oldest first. An empty
 * prefix puts the cluster id at the top of the bucket.
 */
public final class BackupKeys {
  public static final String SNAPSHOT_SUFFIX = ".snapshot";
  public static final String MANIFEST_SUFFIX = ".manifest.json";
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private BackupKeys() {}

  /** The prefix without leading or trailing slashes, then one slash; empty for no prefix. */
  public static String directory(String prefix) {
    String p = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
    return p.isEmpty() ? "" : p + "/";
  }

  public static String snapshotKey(String prefix, long clusterId, Instant createdAt, long rev) {
    return directory(prefix)
        + Long.toHexString(clusterId)
        + "/"
        + STAMP.format(createdAt.truncatedTo(ChronoUnit.SECONDS))
        + "-r"
        + rev
        + SNAPSHOT_SUFFIX;
  }

  /** The manifest's key for a snapshot key, or the manifest key itself. */
  public static String manifestKey(String key) {
    if (key.endsWith(MANIFEST_SUFFIX)) {
      return key;
    }
    return stem(key) + MANIFEST_SUFFIX;
  }

  /** The snapshot's key for a manifest key, or the snapshot key itself. */
  public static String snapshotKey(String key) {
    if (key.endsWith(SNAPSHOT_SUFFIX)) {
      return key;
    }
    return stem(key) + SNAPSHOT_SUFFIX;
  }

  public static boolean isManifest(String key) {
    return key.endsWith(MANIFEST_SUFFIX);
  }

  private static String stem(String key) {
    if (key.endsWith(MANIFEST_SUFFIX)) {
      return key.substring(0, key.length() - MANIFEST_SUFFIX.length());
    }
    if (key.endsWith(SNAPSHOT_SUFFIX)) {
      return key.substring(0, key.length() - SNAPSHOT_SUFFIX.length());
    }
    throw new IllegalArgumentException(
        "'" + key + "' is not a backup key (it ends in neither .snapshot nor .manifest.json)");
  }
}
