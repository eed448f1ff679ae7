package dev.cairn.store.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs the real etcdctl (v3 API) against an endpoint. */
public final class Etcdctl {
  /** What one run printed and returned. */
  public record Result(int exitCode, String stdout, String stderr) {}

  private final String endpoints;

  public Etcdctl(String endpoints) {
    this.endpoints = endpoints;
  }

  public static void assumeInstalled() {
    boolean found = false;
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "etcdctl"))) {
        found = true;
      }
    }
    Assumptions.assumeTrue(found, "etcdctl is not installed");
  }

  /** Runs etcdctl with the arguments, feeding {@code stdin} if not null. */
  public Result runWithInput(String stdin, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("etcdctl");
    cmd.add("--endpoints=" + endpoints);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("ETCDCTL_API", "3");
    try {
      Process p = pb.start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("etcdctl timed out: " + cmd);
      }
      return new Result(
          p.exitValue(),
          new String(out, StandardCharsets.UTF_8),
          new String(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run etcdctl", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Result run(String... args) {
    return runWithInput(null, args);
  }

  /** Starts etcdctl in the background (a watch, say); its output is collected as it comes. */
  public Background start(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoints));
    cmd.addAll(List.of(args));
    return new Background(cmd);
  }

  /** A running etcdctl; closing it stops it. */
  public static final class Background implements AutoCloseable {
    private final Process process;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private Background(List<String> cmd) throws IOException {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().put("ETCDCTL_API", "3");
      process = pb.start();
      Thread reader = new Thread(this::pump, "etcdctl-output");
      reader.setDaemon(true);
      reader.start();
    }

    private void pump() {
      byte[] buf = new byte[4096];
      try (InputStream in = process.getInputStream()) {
        int n;
        while ((n = in.read(buf)) > 0) {
          synchronized (out) {
            out.write(buf, 0, n);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /** Everything printed so far. */
    public String output() {
      synchronized (out) {
        return out.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
