package dev.cairn.backup.job;

import dev.cairn.backup.manifest.BackupKeys;
import dev.cairn.backup.manifest.BackupManifest;
import dev.cairn.backup.objectstore.ObjectStore;
import dev.cairn.store.cli.StoreNodeMain;
import dev.cairn.store.snapshot.SnapshotException;
import dev.cairn.store.snapshot.SnapshotTrailer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the data directory of one member of a new cluster from a backup: download, check the object
 * against its manifest (size, SHA-256) and its own trailer, then {@code store-node snapshot
 * restore}, which owns the snapshot format and checks the file once more.
 */
public final class RestoreJob {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreJob.class);

  /** The new member, in the terms of {@code store-node snapshot restore}. */
  public record Member(
      String name,
      Path dataDir,
      String initialCluster,
      String initialClusterToken,
      String initialAdvertisePeerUrls) {}

  private final ObjectStore store;

  public RestoreJob(ObjectStore store) {
    this.store = store;
  }

  /**
   * @param key the backup's snapshot or manifest key
   * @return the manifest of the backup restored
   */
  public BackupManifest run(String key, Member member) throws IOException {
    Path dir = member.dataDir().toAbsolutePath();
    if (Files.exists(dir) && !isEmptyDirectory(dir)) {
      throw new IOException("data-dir \"" + dir + "\" not empty or could not be read");
    }
    String manifestKey = BackupKeys.manifestKey(key);
    BackupManifest manifest;
    try {
      manifest = BackupManifest.fromJson(store.getBytes(manifestKey));
    } catch (ObjectStore.ObjectStoreException e) {
      throw new IOException(
          "cannot read the manifest of "
              + key
              + ", without which it is no backup: "
              + e.getMessage());
    }
    Path parent = dir.getParent();
    Files.createDirectories(parent);
    Path file = Files.createTempFile(parent, "." + dir.getFileName() + ".", ".snapshot");
    try {
      LOG.info("downloading {} ({} bytes)", manifest.snapshotKey(), manifest.size());
      store.getFile(manifest.snapshotKey(), file);
      check(file, manifest);
      int code =
          StoreNodeMain.run(
              "snapshot",
              "restore",
              file.toString(),
              "--name=" + member.name(),
              "--data-dir=" + dir,
              "--initial-cluster=" + member.initialCluster(),
              "--initial-cluster-token=" + member.initialClusterToken(),
              "--initial-advertise-peer-urls=" + member.initialAdvertisePeerUrls());
      if (code != 0) {
        throw new IOException(
            "store-node snapshot restore of "
                + manifest.snapshotKey()
                + " failed (exit "
                + code
                + ")");
      }
      LOG.info(
          "restored {} (revision {}) into {} as member {}",
          manifest.snapshotKey(),
          manifest.revision(),
          dir,
          member.name());
      return manifest;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Size and SHA-256 against the manifest, then the snapshot's own trailer, in one read. */
  static void check(Path file, BackupManifest manifest) throws IOException {
    long size = Files.size(file);
    String key = manifest.snapshotKey();
    if (size != manifest.size()) {
      throw new IOException(
          "backup object "
              + key
              + " is "
              + size
              + " bytes where its manifest says "
              + manifest.size()
              + ": it is truncated or was replaced");
    }
    MessageDigest sha = sha256();
    SnapshotTrailer trailer = new SnapshotTrailer();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
        trailer.update(buf, 0, n);
      }
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equals(manifest.sha256())) {
      throw new IOException(
          "backup object "
              + key
              + " fails its SHA-256 check (manifest "
              + manifest.sha256()
              + ", object "
              + actual
              + "): it is damaged");
    }
    try {
      trailer.check();
    } catch (SnapshotException e) {
      throw new IOException("backup object " + key + " is damaged: " + e.getMessage());
    }
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
