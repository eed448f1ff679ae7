package dev.cairn.backup.job;

import dev.cairn.backup.manifest.BackupKeys;
import dev.cairn.backup.manifest.BackupManifest;
import dev.cairn.backup.objectstore.ObjectStore;
import dev.cairn.backup.objectstore.ObjectStore.ObjectInfo;
import dev.cairn.backup.retention.Retention;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The backups under a prefix: every manifest whose snapshot object exists. */
public final class BackupCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(BackupCatalog.class);

  private BackupCatalog() {}

  /** Valid backups under {@code prefix}, newest first. */
  public static List<BackupManifest> list(ObjectStore store, String prefix) throws IOException {
    List<ObjectInfo> objects = store.list(BackupKeys.directory(prefix));
    Set<String> keys = objects.stream().map(ObjectInfo::key).collect(Collectors.toSet());
    List<BackupManifest> out = new ArrayList<>();
    for (ObjectInfo o : objects) {
      if (!BackupKeys.isManifest(o.key())) {
        continue;
      }
      BackupManifest m;
      try {
        m = BackupManifest.fromJson(store.getBytes(o.key()));
      } catch (IOException e) {
        LOG.warn("skipping {}: {}", o.key(), e.getMessage());
        continue;
      }
      if (!keys.contains(m.snapshotKey())) {
        LOG.warn("skipping {}: its snapshot {} is missing", o.key(), m.snapshotKey());
        continue;
      }
      out.add(m);
    }
    out.sort(Retention.NEWEST_FIRST);
    return out;
  }

  /** Deletes a backup, manifest first, so that it stops being a backup before its data goes. */
  public static void delete(ObjectStore store, BackupManifest m) throws IOException {
    store.delete(BackupKeys.manifestKey(m.snapshotKey()));
    store.delete(m.snapshotKey());
  }
}
