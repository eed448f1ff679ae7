package dev.cairn.operator.harness;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeletTest {
  @Test
  void variablesExpandAsTheKubeletDoesAndUnknownOnesStayLiteral() {
    Map<String, String> env = Map.of("POD_NAME", "example-0", "NS", "cairn");

    assertThat(Kubelet.expand("--name=$(POD_NAME)", env)).isEqualTo("--name=example-0");
    assertThat(Kubelet.expand("$(POD_NAME).peer.$(NS).svc", env))
        .isEqualTo("example-0.peer.cairn.svc");
    assertThat(Kubelet.expand("--x=$(MISSING)", env)).isEqualTo("--x=$(MISSING)");
  }

  @Test
  void volumeMountsAndTheWildcardAddressAreRewrittenForThisMachine() {
    Map<String, String> mounts = Map.of("/var/lib/cairn", "/tmp/t/volumes/cairn/data-example-0");

    assertThat(Kubelet.rewrite("--data-dir=/var/lib/cairn", mounts, "127.0.10.1"))
        .isEqualTo("--data-dir=/tmp/t/volumes/cairn/data-example-0");
    assertThat(Kubelet.rewrite("--wal-dir=/var/lib/cairn/wal", mounts, "127.0.10.1"))
        .isEqualTo("--wal-dir=/tmp/t/volumes/cairn/data-example-0/wal");
    assertThat(Kubelet.rewrite("--other=/var/lib/cairnx", mounts, "127.0.10.1"))
        .isEqualTo("--other=/var/lib/cairnx");
    assertThat(Kubelet.rewrite("--listen-peer-urls=http://0.0.0.0:2380", mounts, "127.0.10.1"))
        .isEqualTo("--listen-peer-urls=http://127.0.10.1:2380");
  }

  @Test
  void theBackupAgentIsChosenByImageRepositoryWhateverTheTagOrRegistry() {
    assertThat(Kubelet.isAgent(image("ghcr.io/cairn-dev/backup-agent:0.1.0"))).isTrue();
    assertThat(Kubelet.isAgent(image("registry:5000/cairn/backup-agent"))).isTrue();
    assertThat(Kubelet.isAgent(image("ghcr.io/cairn-dev/backup-agent@sha256:abc"))).isTrue();
    assertThat(Kubelet.isAgent(image("ghcr.io/cairn-dev/store-node:0.1.0"))).isFalse();
    assertThat(Kubelet.isAgent(image("ghcr.io/cairn-dev/not-backup-agent:1"))).isFalse();
  }

  @Test
  void anArgumentNamingTheTerminationMessagePathGetsTheContainersOwnFile() {
    Map<String, String> mounts = Map.of("/dev/termination-log", "/tmp/t/termination/ns/p/agent");

    assertThat(Kubelet.rewrite("--result-file=/dev/termination-log", mounts, "127.0.10.1"))
        .isEqualTo("--result-file=/tmp/t/termination/ns/p/agent");
  }

  @Test
  void aFailedContainersMessageIsTheTailOfWhatThatRunLogged(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("pod.log");
    Files.writeString(log, "--- start earlier run\nold failure\n");
    long offset = Files.size(log);
    Files.writeString(
        log,
        IntStream.rangeClosed(1, 100)
            .mapToObj(i -> "line " + i + "\n")
            .collect(Collectors.joining()),
        java.nio.file.StandardOpenOption.APPEND);

    String tail = Kubelet.logTail(log, offset);

    assertThat(tail.lines()).hasSize(80).startsWith("line 21").endsWith("line 100");
    Files.writeString(log, "x".repeat(5000), java.nio.file.StandardOpenOption.APPEND);
    assertThat(Kubelet.logTail(log, offset)).hasSize(2048);
    assertThat(Kubelet.logTail(log, Files.size(log))).isEmpty();
  }

  private static io.fabric8.kubernetes.api.model.Container image(String image) {
    return new ContainerBuilder().withName("c").withImage(image).build();
  }
}
