package dev.cairn.store.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.ToIntFunction;

/**
 * Runs a command-line program's {@code run(String...)} in the test JVM, capturing what it prints.
 */
public final class CapturedRun {
  /** What the program returned and printed. */
  public record Result(int exitCode, String stdout, String stderr) {
    /** For assertion messages. */
    public String output() {
      return "exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
    }
  }

  private CapturedRun() {}

  /**
   * @param program the program's entry point, returning its exit code
   */
  public static Result run(ToIntFunction<String[]> program, String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    int code;
    // System.out is one for the JVM: one captured run at a time.
    synchronized (System.class) {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      try {
        code = program.applyAsInt(args);
      } finally {
        System.setOut(oldOut);
        System.setErr(oldErr);
      }
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
