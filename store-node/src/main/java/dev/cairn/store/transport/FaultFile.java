package dev.cairn.store.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one test hook in the product: fault injection for tests of whole clusters. Off unless the
 * environment variable {@value #ENV} (or {@link PeerOptions#faultsFile}) names a file. While that
 * file holds the word {@code isolate}, the member drops every peer message it would send and every
 * one it receives, as if the network had cut it off; an empty or absent file means normal
 * operation. The file is looked at no more than every 50 ms, and read only when it changed.
 */
final class FaultFile {
  static final String ENV = "CAIRN_PEER_FAULTS_FILE";
  private static final long CHECK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final Logger log = LoggerFactory.getLogger(FaultFile.class);

  private final Path path;
  private volatile long nextCheck = System.nanoTime();
  private volatile boolean isolated;
  private FileTime lastModified;
  private long lastSize = -1;

  private FaultFile(Path path) {
    this.path = path;
  }

  static FaultFile of(PeerOptions options) {
    if (options.faultsFile() != null) {
      return new FaultFile(options.faultsFile());
    }
    String env = System.getenv(ENV);
    return new FaultFile(env == null || env.isBlank() ? null : Path.of(env));
  }

  boolean isolated() {
    if (path == null) {
      return false;
    }
    if (System.nanoTime() - nextCheck >= 0) {
      refresh();
    }
    return isolated;
  }

  private synchronized void refresh() {
    long now = System.nanoTime();
    if (now - nextCheck < 0) {
      return; // another thread just did
    }
    nextCheck = now + CHECK_INTERVAL_NANOS;
    boolean was = isolated;
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      // The size too, as a coarse clock may give two quick writes the same time.
      if (a.lastModifiedTime().equals(lastModified) && a.size() == lastSize) {
        return;
      }
      lastModified = a.lastModifiedTime();
      lastSize = a.size();
      isolated = Arrays.asList(Files.readString(path).split("\\s+")).contains("isolate");
    } catch (NoSuchFileException e) {
      lastModified = null;
      lastSize = -1;
      isolated = false;
    } catch (IOException e) {
      log.warn("cannot read peer faults file {}: {}", path, e.toString());
    }
    if (isolated != was) {
      log.warn("peer faults file {}: {}", path, isolated ? "isolated" : "healed");
    }
  }
}
