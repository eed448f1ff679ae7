package dev.cairn.store.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Node {@code etcd3} client (grpc-js), installed with npm under target/ once per build, and a
 * script that puts a key and reads it back through it.
 */
public final class NodeEtcd3 {
  private static final String VERSION = "1.1.2";
  private static final Path DIR = Path.of("target", "node");

  private static final String PUT_GET =
      """
      const fs = require('fs');
      const { Etcd3 } = require('etcd3');
      const [endpoint, ca, cert, key, k, v] = process.argv.slice(2);
      const credentials = { rootCertificate: fs.readFileSync(ca) };
      if (cert) {
        credentials.certChain = fs.readFileSync(cert);
        credentials.privateKey = fs.readFileSync(key);
      }
      const client = new Etcd3({ hosts: endpoint, credentials });
      (async () => {
        await client.put(k).value(v);
        console.log(await client.get(k).string());
        client.close();
      })().catch((e) => {
        console.error(e.message);
        process.exit(1);
      });
      """;

  /** What the script printed and how it ended. */
  public record Result(int exitCode, String output) {}

  private NodeEtcd3() {}

  /** Skips the test unless node and npm are installed; installs etcd3 if it is not yet. */
  public static synchronized void assumeInstalled() {
    assumeTrue(onPath("node") && onPath("npm"), "node and npm are not installed");
    if (Files.isDirectory(DIR.resolve("node_modules").resolve("etcd3"))) {
      return;
    }
    Result r =
        run(
            600,
            "npm",
            "install",
            "--prefix",
            DIR.toString(),
            "etcd3@" + VERSION,
            "--no-audit",
            "--no-fund");
    if (r.exitCode() != 0) {
      throw new AssertionError("npm install etcd3@" + VERSION + " failed:\n" + r.output());
    }
  }

  /**
   * Puts {@code key}={@code value} and reads it back over TLS.
   *
   * @param cert the client certificate, or null to present none ({@code key} file likewise)
   */
  public static Result putGet(
      String endpoint, Path ca, Path cert, Path keyFile, String key, String value) {
    Path script = DIR.resolve("put-get.js");
    try {
      Files.writeString(script, PUT_GET);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> cmd =
        new ArrayList<>(List.of("node", "--no-deprecation", script.toString(), endpoint));
    cmd.add(ca.toString());
    cmd.add(cert == null ? "" : cert.toString());
    cmd.add(keyFile == null ? "" : keyFile.toString());
    cmd.add(key);
    cmd.add(value);
    return run(60, cmd.toArray(String[]::new));
  }

  private static boolean onPath(String program) {
    return run(30, "sh", "-c", "command -v " + program).exitCode() == 0;
  }

  private static Result run(long timeoutSeconds, String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, new String(out, StandardCharsets.UTF_8));
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}
