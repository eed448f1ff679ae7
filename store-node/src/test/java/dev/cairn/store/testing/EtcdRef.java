package dev.cairn.store.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real etcd on loopback, started by the project's {@code shared/tools/etcd-ref}, as the oracle of
 * differential tests and the baseline of benchmarks.
 */
public final class EtcdRef implements AutoCloseable {
  private final Path script;
  private final Path dir;
  private final String endpoints;

  private EtcdRef(Path script, Path dir, String endpoints) {
    this.script = script;
    this.dir = dir;
    this.endpoints = endpoints;
  }

  /** The etcd-ref script beside the project, or null when the checkout has none. */
  public static Path script() {
    String configured = System.getProperty("cairn.etcdRef");
    if (configured != null && Files.isExecutable(Path.of(configured))) {
      return Path.of(configured);
    }
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared/tools/etcd-ref");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /**
   * Starts {@code members} etcd members (1, 3 or 5) under {@code dir}. Skips the calling test when
   * neither the script nor etcd can be had, which CI never allows (its script installs etcd).
   */
  public static EtcdRef start(Path dir, int members) {
    return start(dir, members, java.util.Map.of());
  }

  /**
   * Starts etcd as {@link #start(Path, int)} does, with extra {@code ETCD_*} settings in its
   * environment (etcd reads its flags from there too).
   */
  public static EtcdRef start(Path dir, int members, java.util.Map<String, String> etcdEnv) {
    Path script = script();
    if (script == null && System.getenv("CI") != null) {
      // CI always has the reference etcd; a missing one must not turn into silently skipped tests.
      throw new IllegalStateException("shared/tools/etcd-ref not found beside the project");
    }
    Assumptions.assumeTrue(script != null, "shared/tools/etcd-ref not found beside the project");
    int base = Ports.freePair();
    try {
      ProcessBuilder pb =
          new ProcessBuilder(
                  script.toString(),
                  "start",
                  dir.toString(),
                  String.valueOf(members),
                  String.valueOf(base))
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
      pb.environment().putAll(etcdEnv);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("etcd-ref failed to start: " + out);
      }
      String[] lines = out.split("\n");
      return new EtcdRef(script, dir, lines[lines.length - 1].trim());
    } catch (IOException e) {
      throw new IllegalStateException("cannot run etcd-ref", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Comma-separated client URLs. */
  public String endpoints() {
    return endpoints;
  }

  /** The first member's client URL. */
  public String endpoint() {
    return endpoints.split(",")[0];
  }

  @Override
  public void close() {
    try {
      new ProcessBuilder(script.toString(), "stop", dir.toString())
          .inheritIO()
          .start()
          .waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
