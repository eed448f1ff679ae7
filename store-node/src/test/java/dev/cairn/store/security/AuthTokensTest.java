package dev.cairn.store.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.AuthGrpc;
import dev.cairn.proto.etcdserverpb.AuthRoleAddRequest;
import dev.cairn.proto.etcdserverpb.AuthUserAddRequest;
import dev.cairn.proto.etcdserverpb.AuthUserGrantRoleRequest;
import dev.cairn.proto.etcdserverpb.AuthenticateRequest;
import dev.cairn.proto.etcdserverpb.KVGrpc;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import dev.cairn.store.testing.StoreNodeProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Simple-token expiry and JWT tokens signed with keys openssl made, on a running member. */
class AuthTokensTest {
  @TempDir Path dir;

  /** Makes root and enables auth on a member; returns a channel to it. */
  private static ManagedChannel enableAuth(StoreNodeProcess m) {
    URI u = URI.create(m.endpoint());
    ManagedChannel ch =
        ManagedChannelBuilder.forAddress(u.getHost(), u.getPort()).usePlaintext().build();
    var auth = AuthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
    auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("pw").build());
    auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
    auth.userGrantRole(
        AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
    auth.authEnable(dev.cairn.proto.etcdserverpb.AuthEnableRequest.getDefaultInstance());
    return ch;
  }

  private static String authenticate(ManagedChannel ch) {
    return AuthGrpc.newBlockingStub(ch)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("pw").build())
        .getToken();
  }

  private static long rangeWith(ManagedChannel ch, String token) {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
    return KVGrpc.newBlockingStub(ch)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build())
        .getHeader()
        .getRevision();
  }

  private static void invalid(ManagedChannel ch, String token) {
    assertThatThrownBy(() -> rangeWith(ch, token))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("etcdserver: invalid auth token");
            });
  }

  @Test
  void aSimpleTokenExpiresOnceUnusedForItsTtl() {
    try (StoreNodeProcess m =
        StoreNodeProcess.start(dir.resolve("m"), "--auth-token-ttl=2", "--bcrypt-cost=4")) {
      ManagedChannel ch = enableAuth(m);
      try {
        String token = authenticate(ch);
        assertThat(rangeWith(ch, token)).isPositive();
        await()
            .atMost(Duration.ofSeconds(15))
            .pollDelay(Duration.ofMillis(2500))
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(() -> invalid(ch, token));
        assertThat(rangeWith(ch, authenticate(ch))).isPositive();
      } finally {
        ch.shutdownNow();
      }
    }
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "openssl";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      Assumptions.assumeTrue(false, "openssl is not installed");
      return;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
  }

  private void jwtRoundTrip(String method, String priv, String pub) throws Exception {
    String option =
        "jwt,pub-key="
            + dir.resolve(pub)
            + ",priv-key="
            + dir.resolve(priv)
            + ",sign-method="
            + method
            + ",ttl=3s";
    try (StoreNodeProcess m =
        StoreNodeProcess.start(
            dir.resolve("m-" + method), "--auth-token=" + option, "--bcrypt-cost=4")) {
      ManagedChannel ch = enableAuth(m);
      try {
        String token = authenticate(ch);
        String[] parts = token.split("\\.");
        assertThat(parts).hasSize(3);
        String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        assertThat(header).contains("\"alg\":\"" + method + "\"");
        assertThat(claims).contains("\"username\":\"root\"").contains("\"revision\":");
        assertThat(rangeWith(ch, token)).isPositive();

        String forgedClaims =
            Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    claims.replace("\"root\"", "\"toor\"").getBytes(StandardCharsets.UTF_8));
        invalid(ch, parts[0] + "." + forgedClaims + "." + parts[2]);
        await()
            .atMost(Duration.ofSeconds(15))
            .pollDelay(Duration.ofSeconds(3))
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(() -> invalid(ch, token));
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void jwtTokensSignedWithRs256KeysFromOpenssl() throws Exception {
    openssl("genrsa", "-out", "rsa.key", "2048");
    openssl("rsa", "-in", "rsa.key", "-pubout", "-out", "rsa.pub");
    jwtRoundTrip("RS256", "rsa.key", "rsa.pub");
  }

  @Test
  void jwtTokensSignedWithEs256KeysFromOpenssl() throws Exception {
    openssl("ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "ec.key");
    openssl("ec", "-in", "ec.key", "-pubout", "-out", "ec.pub");
    jwtRoundTrip("ES256", "ec.key", "ec.pub");
  }

  @Test
  void aMemberRefusesToStartWithAnUnusableAuthTokenOption() {
    assertThatThrownBy(
            () ->
                StoreNodeProcess.start(
                    dir.resolve("bad"), "--auth-token=jwt,pub-key=/nowhere,sign-method=RS256"))
        .hasMessageContaining("/nowhere");
  }
}
