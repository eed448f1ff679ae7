package dev.cairn.store.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cairn.store.testing.StoreNodeProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --log-format=json: one JSON object per event, with etcd's fields, and no secrets. */
class JsonLogTest {
  @TempDir Path dir;

  @Test
  void everyEventIsOneJsonLineWithEtcdsFieldsAndNoPassword() throws Exception {
    String password = "never-log-this-4711";
    try (StoreNodeProcess member = StoreNodeProcess.start(dir.resolve("m"), "--log-format=json");
        Client client = Client.builder().endpoints(member.endpoint()).build()) {
      client.getAuthClient().userAdd(bs("carol"), bs(password)).get(10, TimeUnit.SECONDS);
      client.getKVClient().put(bs("k"), bs("v")).get(10, TimeUnit.SECONDS);

      List<String> events = member.log().lines().filter(l -> l.startsWith("{")).toList();
      assertThat(events).isNotEmpty();
      for (String line : events) {
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        assertThat(o.keySet()).as(line).contains("level", "ts", "logger", "msg");
        assertThat(o.get("level").getAsString()).isIn("debug", "info", "warn", "error");
      }
      assertThat(events).anySatisfy(l -> assertThat(l).contains("ready to serve client requests"));
      assertThat(member.log()).doesNotContain(password);
    }
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
