package dev.cairn.operator.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * The harness's DNS: a hosts file every JVM involved reads through {@code jdk.net.hosts.file}. It
 * is replaced whole, with a rename, so a reader never sees half a file.
 */
record HostsFile(Path path) {

  /** The file with only the names every JVM needs besides the cluster's. */
  static HostsFile reset(Path path) {
    HostsFile file = new HostsFile(path);
    file.write(Map.of());
    return file;
  }

  /** Replaces the file: localhost, this machine's name, then {@code name -> address}. */
  void write(Map<String, String> addresses) {
    StringBuilder text = new StringBuilder("127.0.0.1 localhost\n");
    // With a hosts file the JDK asks nothing else, not even for InetAddress.getLocalHost().
    text.append("127.0.0.1 ").append(machineName()).append('\n');
    new TreeMap<>(addresses)
        .forEach((name, address) -> text.append(address).append(' ').append(name).append('\n'));
    try {
      Path next = path.resolveSibling(path.getFileName() + ".next");
      Files.writeString(next, text);
      Files.move(next, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String machineName() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
