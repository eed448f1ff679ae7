package dev.cairn.store.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: help, bad flags, environment variables. */
class CommandLineTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = StoreNodeMain.run(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void aFlagValueThatNamesASubcommandIsTheFlagsValue() {
    Run r =
        run(
            "--initial-cluster-token",
            "bench",
            "--initial-cluster-state",
            "sideways",
            "--data-dir",
            dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--initial-cluster-state must be 'new' or 'existing'");
  }

  @Test
  void helpListsEtcdsFlagsAndTheEnvironmentRule() {
    Run r = run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("--name", "--data-dir", "--listen-client-urls", "--advertise-client-urls")
        .contains("--initial-cluster", "--initial-cluster-state", "--initial-cluster-token")
        .contains("--max-request-bytes", "--max-txn-ops", "--quota-backend-bytes")
        .contains("ETCD_FOO_BAR")
        .contains("bench");
  }

  @Test
  void anUnknownFlagIsOneClearLineAndExitCodeTwo() {
    Run r = run("--no-such-flag");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().toList()).first().asString().contains("--no-such-flag");
  }

  @Test
  void anInvalidValueNamesTheFlagAndExitsWithTwo() {
    Run r = run("--data-dir", dir.toString(), "--initial-cluster-state", "sideways");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--initial-cluster-state").contains("sideways");

    Run notANumber = run("--max-txn-ops", "many");
    assertThat(notANumber.code()).isEqualTo(2);
    assertThat(notANumber.err()).contains("--max-txn-ops");

    Run badDuration = run("--data-dir", dir.toString(), "--watch-progress-notify-interval", "soon");
    assertThat(badDuration.code()).isEqualTo(2);
    assertThat(badDuration.err()).contains("--watch-progress-notify-interval").contains("soon");

    Run badUrl = run("--data-dir", dir.toString(), "--listen-client-urls", "tcp://127.0.0.1:1");
    assertThat(badUrl.code()).isEqualTo(2);
    assertThat(badUrl.err()).contains("--listen-client-urls");
  }

  @Test
  void environmentVariablesSetFlagsAndAFlagWins() throws Exception {
    // A member in its own JVM, so its environment is its own.
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of("-cp", System.getProperty("java.class.path"), StoreNodeMain.class.getName()));
    cmd.add("--max-txn-ops=7");
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("ETCD_INITIAL_CLUSTER_STATE", "bogus");
    pb.environment().put("ETCD_MAX_TXN_OPS", "-1");
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    // The variable was read (the state is refused); the flag overrode ETCD_MAX_TXN_OPS=-1.
    assertThat(err).contains("--initial-cluster-state must be 'new' or 'existing', not 'bogus'");
    assertThat(err).doesNotContain("--max-txn-ops");
  }
}
