package dev.cairn.store.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** Free loopback ports for test servers. */
public final class Ports {
  // The kernel may hand the same ephemeral port to two probes in a row once the first is closed;
  // a port is given out at most once per JVM so that a test's members never share one.
  private static final Set<Integer> GIVEN = new HashSet<>();

  private Ports() {}

  /** A port free now on 127.0.0.1 and not returned before by this JVM. */
  public static synchronized int free() {
    while (true) {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (GIVEN.add(port)) {
        return port;
      }
    }
  }

  /** A port p such that p and p + 1 are both free now (etcd-ref uses base and base + 1). */
  public static synchronized int freePair() {
    for (int i = 0; i < 50; i++) {
      int p = free();
      try (ServerSocket s = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
        if (!GIVEN.add(p + 1)) {
          continue;
        }
        return p;
      } catch (IOException e) {
        // taken; try another
      }
    }
    throw new IllegalStateException("no free pair of loopback ports");
  }
}
