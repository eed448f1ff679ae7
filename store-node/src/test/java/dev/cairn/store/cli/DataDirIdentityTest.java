package dev.cairn.store.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.testing.StoreNodeProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data dir belongs to one member of one cluster; flags describing another are refused. */
class DataDirIdentityTest {
  @TempDir Path dir;

  @Test
  void aDataDirOfAnotherClusterIsRefusedWithBothIdentities() {
    Path data = dir.resolve("member");
    try (StoreNodeProcess node = StoreNodeProcess.start(data, "--initial-cluster-token=first")) {
      node.stop();
    }

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldErr = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code =
          StoreNodeMain.run(
              "--data-dir=" + data,
              "--listen-client-urls=http://127.0.0.1:0",
              "--listen-peer-urls=http://127.0.0.1:0",
              "--initial-cluster-token=second");
    } finally {
      System.setErr(oldErr);
    }

    assertThat(code).isNotZero();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("store-node: data dir " + data + " belongs to member ")
        .contains("--initial-cluster-token");
  }
}
