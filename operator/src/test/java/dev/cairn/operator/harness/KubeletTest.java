package dev.cairn.operator.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

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
}
