package dev.cairn.store.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.AuthGrpc;
import dev.cairn.proto.etcdserverpb.AuthenticateRequest;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.store.testing.StoreCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The auth store goes through Raft: every member knows users, roles and simple tokens. */
class AuthClusterTest {
  @TempDir Path dir;

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static ManagedChannel channel(String endpoint) {
    URI u = URI.create(endpoint);
    return ManagedChannelBuilder.forAddress(u.getHost(), u.getPort()).usePlaintext().build();
  }

  private static String authenticate(ManagedChannel ch, String user, String pw) {
    return AuthGrpc.newBlockingStub(ch)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(pw).build())
        .getToken();
  }

  private static KVGrpc.KVBlockingStub kv(ManagedChannel ch, String token) {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
    return KVGrpc.newBlockingStub(ch)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Test
  void usersRolesAndTokensAreTheSameOnEveryMemberAndSurviveKillNine() throws Exception {
    try (StoreCluster cluster = StoreCluster.start(dir, 3, "--bcrypt-cost=4")) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      try (Client c = Client.builder().endpoints(cluster.member(0).endpoint()).build()) {
        var auth = c.getAuthClient();
        auth.userAdd(bs("root"), bs("rootpw")).get(10, TimeUnit.SECONDS);
        auth.userGrantRole(bs("root"), bs("root")).get(10, TimeUnit.SECONDS);
        auth.roleAdd(bs("writer")).get(10, TimeUnit.SECONDS);
        auth.roleGrantPermission(bs("writer"), bs("app/"), bs("app0"), Permission.Type.READWRITE)
            .get(10, TimeUnit.SECONDS);
        auth.userAdd(bs("app"), bs("apppw")).get(10, TimeUnit.SECONDS);
        auth.userGrantRole(bs("app"), bs("writer")).get(10, TimeUnit.SECONDS);
        auth.authEnable().get(10, TimeUnit.SECONDS);
      }
      List<ManagedChannel> channels = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          channels.add(channel(cluster.member(i).endpoint()));
        }
        // A simple token made by member 1's Authenticate is known to member 2 once applied there.
        String token = authenticate(channels.get(1), "app", "apppw");
        kv(channels.get(2), token)
            .put(
                PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("app/k"))
                    .setValue(ByteString.copyFromUtf8("v"))
                    .build());
        assertThatThrownBy(
                () ->
                    kv(channels.get(0), token)
                        .put(
                            PutRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("other"))
                                .setValue(ByteString.copyFromUtf8("v"))
                                .build()))
            .isInstanceOf(StatusRuntimeException.class)
            .hasMessageContaining("etcdserver: permission denied");

        cluster.member(2).kill9();
        cluster.member(2).restart();
        channels.get(2).shutdownNow();
        channels.set(2, channel(cluster.member(2).endpoint()));
        ManagedChannel restarted = channels.get(2);
        assertThatThrownBy(
                () ->
                    KVGrpc.newBlockingStub(restarted)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .range(
                            RangeRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("app/k"))
                                .build()))
            .hasMessageContaining("etcdserver: user name is empty");
        String again = authenticate(restarted, "app", "apppw");
        await()
            .atMost(Duration.ofSeconds(20))
            .ignoreExceptions()
            .untilAsserted(
                () ->
                    assertThat(
                            kv(restarted, again)
                                .range(
                                    RangeRequest.newBuilder()
                                        .setKey(ByteString.copyFromUtf8("app/k"))
                                        .build())
                                .getKvs(0)
                                .getValue()
                                .toStringUtf8())
                        .isEqualTo("v"));
      } finally {
        channels.forEach(ManagedChannel::shutdownNow);
      }
    }
  }
}
