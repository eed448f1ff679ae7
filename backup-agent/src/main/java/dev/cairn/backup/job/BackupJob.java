package dev.cairn.backup.job;

import dev.cairn.backup.manifest.BackupKeys;
import dev.cairn.backup.manifest.BackupManifest;
import dev.cairn.backup.objectstore.ObjectStore;
import dev.cairn.backup.objectstore.ObjectStore.ObjectStoreException;
import dev.cairn.backup.snapshot.SnapshotSource;
import dev.cairn.backup.snapshot.SnapshotSource.FetchedSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backup: a snapshot streamed from a member into a local file and checked, uploaded, then its
 * manifest written. The manifest goes last, so a backup is valid exactly when its manifest exists;
 * on any failure the snapshot object is removed too, so nothing half-made is left to mistake for a
 * backup.
 */
public final class BackupJob {
  private static final Logger LOG = LoggerFactory.getLogger(BackupJob.class);

  private final SnapshotSource source;
  private final ObjectStore store;
  private final String prefix;
  private final Path tmpDir;
  private final Clock clock;
  private final long progressInterval;

  /**
   * @param tmpDir where the snapshot is kept between streaming and upload
   * @param progressInterval log a line every this many bytes streamed or uploaded
   */
  public BackupJob(
      SnapshotSource source,
      ObjectStore store,
      String prefix,
      Path tmpDir,
      Clock clock,
      long progressInterval) {
    this.source = source;
    this.store = store;
    this.prefix = prefix;
    this.tmpDir = tmpDir;
    this.clock = clock;
    this.progressInterval = progressInterval;
  }

  /** Takes and stores one backup and returns its manifest. */
  public BackupManifest run() throws IOException {
    // A missing bucket or bad credentials show before a large snapshot is streamed for nothing.
    store.checkBucket();
    Files.createDirectories(tmpDir);
    Path file = Files.createTempFile(tmpDir, "cairn-backup-", ".snapshot.part");
    try {
      Instant createdAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
      FetchedSnapshot snap =
          source.fetch(file, new ProgressLog(LOG, "snapshot received", progressInterval, 0));
      LOG.info(
          "snapshot of revision {} received from {}: {} bytes, sha256 {}",
          snap.revision(),
          snap.endpoint(),
          snap.size(),
          snap.sha256());
      String key = BackupKeys.snapshotKey(prefix, snap.clusterId(), createdAt, snap.revision());
      BackupManifest manifest =
          new BackupManifest(
              snap.clusterId(),
              snap.memberId(),
              snap.revision(),
              snap.size(),
              snap.sha256(),
              createdAt,
              snap.storeVersion(),
              key);
      upload(file, manifest);
      return manifest;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private void upload(Path file, BackupManifest manifest) throws IOException {
    String key = manifest.snapshotKey();
    String manifestKey = BackupKeys.manifestKey(key);
    try {
      store.putFile(
          key,
          file,
          manifest.sha256(),
          new ProgressLog(LOG, "uploaded " + key, progressInterval, manifest.size()));
      store.putBytes(manifestKey, manifest.toJsonBytes(), "application/json");
      LOG.info("backup stored: {} and {}", key, manifestKey);
    } catch (ObjectStoreException e) {
      // Also after a failed upload: its last request may have stored the object all the same.
      removeQuietly(key);
      throw e;
    }
  }

  private void removeQuietly(String key) {
    try {
      store.delete(key);
    } catch (ObjectStoreException e) {
      LOG.warn(
          "could not delete {} after the backup failed; without a manifest it is no backup: {}",
          key,
          e.getMessage());
    }
  }
}
