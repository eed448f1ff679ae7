package dev.cairn.backup.testing;

import dev.cairn.backup.cli.BackupAgentMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@code backup-agent} in the test JVM, capturing what it prints. */
public final class Agent {
  public record Result(int exitCode, String stdout, String stderr) {
    /** For assertion messages. */
    public String output() {
      return "exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
    }
  }

  private Agent() {}

  public static Result run(String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    int code;
    synchronized (System.class) {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      try {
        code = BackupAgentMain.run(args);
      } finally {
        System.setOut(oldOut);
        System.setErr(oldErr);
      }
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
