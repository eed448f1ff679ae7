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
import java.nio.file.StandardCopyOption;
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

  /** The directory a member keeps its state in, under the data directory, as store-node has it. */
  private static final String MEMBER = "member";

  /** Where a restore is made before it is moved into place. */
  private static final String STAGING = ".restoring";

  private final ObjectStore store;

  public RestoreJob(ObjectStore store) {
    this.store = store;
  }

  /**
   * @param key the backup's snapshot or manifest key
   * @param otherFilesAllowed whether the data directory may hold files other than a member (a
   *     volume's lost+found, what an interrupted restore left)
   * @return the manifest of the backup restored
   */
  public BackupManifest run(String key, Member member, boolean otherFilesAllowed)
      throws IOException {
    Path dir = member.dataDir().toAbsolutePath();
    if (otherFilesAllowed ? holdsMember(dir) : Files.exists(dir) && !isEmptyDirectory(dir)) {
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
    // Everything is made inside the data directory, on the same volume, and the member moved into
    // place in one rename: a restore killed half way leaves no member to start on.
    Files.createDirectories(dir);
    Path staging = dir.resolve(STAGING);
    deleteTree(staging);
    Path file = dir.resolve(STAGING + ".snapshot");
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
              "--data-dir=" + staging,
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
      Files.move(staging.resolve(MEMBER), dir.resolve(MEMBER), StandardCopyOption.ATOMIC_MOVE);
      LOG.info(
          "restored {} (revision {}) into {} as member {}",
          manifest.snapshotKey(),
          manifest.revision(),
          dir,
          member.name());
      return manifest;
    } finally {
      Files.deleteIfExists(file);
      deleteTree(staging);
    }
  }

  /** Whether {@code dataDir} holds a member, restored or made by a member's first start. */
  public static boolean holdsMember(Path dataDir) {
    return Files.exists(dataDir.resolve(MEMBER));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
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
