package dev.cairn.store.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.testing.Etcdctl;
import dev.cairn.store.testing.InProcessMember;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clients users already have, unchanged: jetcd and etcdctl. */
class ClientsCompatibilityTest {
  @TempDir static Path dir;
  private static InProcessMember member;

  @BeforeAll
  static void start() throws Exception {
    member = new InProcessMember(dir);
  }

  @AfterAll
  static void stop() {
    member.close();
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Test
  void jetcdPutGetDeleteTxnAndCompact() throws Exception {
    try (Client client = Client.builder().endpoints(member.endpoint()).build()) {
      KV kv = client.getKVClient();
      long r1 = kv.put(bs("jetcd/a"), bs("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
      kv.put(bs("jetcd/b"), bs("2")).get(10, TimeUnit.SECONDS);
      var prev =
          kv.put(bs("jetcd/a"), bs("3"), PutOption.builder().withPrevKV().build())
              .get(10, TimeUnit.SECONDS);
      assertThat(prev.hasPrevKv()).isTrue();
      assertThat(prev.getPrevKv().getValue()).isEqualTo(bs("1"));

      GetResponse all =
          kv.get(bs("jetcd/"), GetOption.builder().isPrefix(true).build())
              .get(10, TimeUnit.SECONDS);
      assertThat(all.getKvs()).extracting(KeyValue::getValue).containsExactly(bs("3"), bs("2"));
      assertThat(all.getKvs().get(0).getVersion()).isEqualTo(2);
      assertThat(all.getKvs().get(0).getCreateRevision()).isEqualTo(r1);

      GetResponse old =
          kv.get(bs("jetcd/a"), GetOption.builder().withRevision(r1).build())
              .get(10, TimeUnit.SECONDS);
      assertThat(old.getKvs().get(0).getValue()).isEqualTo(bs("1"));

      TxnResponse txn =
          kv.txn()
              .If(new Cmp(bs("jetcd/a"), Cmp.Op.EQUAL, CmpTarget.value(bs("3"))))
              .Then(Op.put(bs("jetcd/c"), bs("4"), PutOption.DEFAULT))
              .Else(Op.get(bs("jetcd/a"), GetOption.DEFAULT))
              .commit()
              .get(10, TimeUnit.SECONDS);
      assertThat(txn.isSucceeded()).isTrue();
      assertThat(txn.getPutResponses()).hasSize(1);

      assertThat(kv.delete(bs("jetcd/b")).get(10, TimeUnit.SECONDS).getDeleted()).isEqualTo(1);
      long now = kv.get(bs("jetcd/a")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
      kv.compact(now).get(10, TimeUnit.SECONDS);
      var compacted = kv.get(bs("jetcd/a"), GetOption.builder().withRevision(r1).build());
      assertThat(
              org.assertj.core.api.Assertions.catchThrowable(
                  () -> compacted.get(10, TimeUnit.SECONDS)))
          .hasMessageContaining("required revision has been compacted");
    }
  }

  @Test
  void etcdctlPutGetDelTxnCompact() {
    Etcdctl.assumeInstalled();
    Etcdctl ctl = new Etcdctl(member.endpoint());

    assertThat(ctl.run("put", "ctl/k", "v1").stdout()).isEqualTo("OK\n");
    assertThat(ctl.run("put", "ctl/k", "v2").exitCode()).isZero();
    assertThat(ctl.run("get", "ctl/k").stdout()).isEqualTo("ctl/k\nv2\n");
    assertThat(ctl.run("get", "ctl/", "--prefix", "--keys-only").stdout()).isEqualTo("ctl/k\n\n");

    Etcdctl.Result json = ctl.run("get", "ctl/k", "-w", "json");
    assertThat(json.stdout()).contains("\"version\":2").contains("\"count\":1");

    String txn = "value(\"ctl/k\") = \"v2\"\n\nput ctl/t yes\n\nput ctl/t no\n\n";
    Etcdctl.Result t = ctl.runWithInput(txn, "txn");
    assertThat(t.exitCode()).as(t.stderr()).isZero();
    assertThat(t.stdout()).startsWith("SUCCESS");
    assertThat(ctl.run("get", "ctl/t", "--print-value-only").stdout()).isEqualTo("yes\n");

    assertThat(ctl.run("del", "ctl/", "--prefix").stdout()).isEqualTo("2\n");
    assertThat(ctl.run("get", "ctl/k").stdout()).isEmpty();

    String rev = ctl.run("get", "nothing", "-w", "fields").stdout();
    String current =
        rev.lines()
            .filter(l -> l.startsWith("\"Revision\""))
            .findFirst()
            .orElseThrow()
            .replaceAll("\\D", "");
    Etcdctl.Result c = ctl.run("compact", current);
    assertThat(c.stdout()).isEqualTo("compacted revision " + current + "\n");
    Etcdctl.Result again = ctl.run("compact", current);
    assertThat(again.exitCode()).isNotZero();
    assertThat(again.stderr()).contains("etcdserver: mvcc: required revision has been compacted");

    assertThat(ctl.run("endpoint", "health").stderr()).contains("is healthy");
  }
}
