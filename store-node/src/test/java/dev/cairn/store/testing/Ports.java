package dev.cairn.store.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for test servers. */
public final class Ports {
  private Ports() {}

  /** A port free now on 127.0.0.1. */
  public static int free() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A port p such that p and p + 1 are both free now (etcd-ref uses base and base + 1). */
  public static int freePair() {
    for (int i = 0; i < 50; i++) {
      int p = free();
      try (ServerSocket s = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
        return p;
      } catch (IOException e) {
        // taken; try another
      }
    }
    throw new IllegalStateException("no free pair of loopback ports");
  }
}
