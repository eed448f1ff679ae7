package dev.cairn.store.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {
  @TempDir Path dir;

  @Test
  void aSimpleTokenIsTheRandomPartAndTheIndexAndExpiresWhenUnused() {
    AtomicLong now = new AtomicLong();
    SimpleTokens t = new SimpleTokens(Duration.ofSeconds(300), now::get);
    String prefix = t.newPrefix();
    assertThat(prefix).matches("[a-zA-Z]{16}");
    String token = t.assign("alice", 5, prefix, 42);
    assertThat(token).isEqualTo(prefix + ".42");
    assertThat(SimpleTokens.indexOf(token)).isEqualTo(42);

    now.addAndGet(Duration.ofSeconds(200).toNanos());
    assertThat(t.info(token, 7)).isEqualTo(new AuthInfo("alice", 7));
    // Each use renews it: 200 s more is still inside the renewed 300 s.
    now.addAndGet(Duration.ofSeconds(200).toNanos());
    assertThat(t.info(token, 7)).isNotNull();
    now.addAndGet(Duration.ofSeconds(301).toNanos());
    assertThat(t.info(token, 7)).isNull();
  }

  @Test
  void simpleTokensOfAUserAreForgottenWhenItChangesAndAllWhenAuthIsDisabled() {
    SimpleTokens t = new SimpleTokens(Duration.ofMinutes(5));
    String a = t.assign("alice", 1, t.newPrefix(), 1);
    String b = t.assign("bob", 1, t.newPrefix(), 2);
    t.invalidateUser("alice");
    assertThat(t.info(a, 1)).isNull();
    assertThat(t.info(b, 1)).isNotNull();
    t.disable();
    assertThat(t.info(b, 1)).isNull();
    assertThat(t.info("made.up", 1)).isNull();
  }

  /** A key in the PEM form openssl writes: PKCS#8 for private keys, SPKI for public ones. */
  private Path pem(String name, java.security.Key key) throws IOException {
    String type = key instanceof java.security.PrivateKey ? "PRIVATE KEY" : "PUBLIC KEY";
    String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded());
    Path f = dir.resolve(name);
    Files.writeString(
        f, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    return f;
  }

  private JwtTokens jwt(String method, KeyPair keys, Clock clock) throws Exception {
    return JwtTokens.create(
        method,
        pem(method + ".pub", keys.getPublic()),
        pem(method + ".key", keys.getPrivate()),
        Duration.ofMinutes(5),
        clock);
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  @Test
  void jwtTokensSignedWithRs256AndEs256CarryTheUserAndRevision() throws Exception {
    for (var c : new Object[][] {{"RS256", rsa()}, {"ES256", ec()}}) {
      JwtTokens t = jwt((String) c[0], (KeyPair) c[1], Clock.systemUTC());
      String token = t.assign("alice", 9, "", 100);
      assertThat(token.split("\\.")).hasSize(3);
      String header = new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]));
      assertThat(header).contains("\"alg\":\"" + c[0] + "\"");
      assertThat(t.info(token, 12)).as((String) c[0]).isEqualTo(new AuthInfo("alice", 9));
    }
  }

  @Test
  void hs256TokensUseThePrivateKeyFileAsTheSharedSecret() throws Exception {
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "a shared secret of at least thirty-two bytes");
    JwtTokens t = JwtTokens.create("HS256", null, secret, Duration.ofMinutes(5), Clock.systemUTC());
    assertThat(t.info(t.assign("bob", 3, "", 1), 3)).isEqualTo(new AuthInfo("bob", 3));
    Files.writeString(secret, "another shared secret, also long enough");
    JwtTokens other =
        JwtTokens.create("HS256", null, secret, Duration.ofMinutes(5), Clock.systemUTC());
    assertThat(t.info(other.assign("bob", 3, "", 1), 3)).isNull();
  }

  @Test
  void aForgedOrExpiredOrTamperedJwtIsRefused() throws Exception {
    KeyPair ours = rsa();
    AtomicLong seconds = new AtomicLong(1_000_000);
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return Instant.ofEpochSecond(seconds.get());
          }
        };
    JwtTokens t = jwt("RS256", ours, clock);
    JwtTokens other = jwt("RS256", rsa(), clock);
    String good = t.assign("alice", 1, "", 1);

    assertThat(t.info(other.assign("alice", 1, "", 1), 1)).as("signed by another key").isNull();
    String[] parts = good.split("\\.");
    String claims =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("{\"username\":\"root\",\"revision\":1,\"exp\":9999999999}".getBytes());
    assertThat(t.info(parts[0] + "." + claims + "." + parts[2], 1)).as("tampered").isNull();
    String none =
        Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes());
    assertThat(t.info(none + "." + parts[1] + ".", 1)).as("unsigned").isNull();
    assertThat(t.info("not-a-token", 1)).isNull();

    assertThat(t.info(good, 1)).isNotNull();
    seconds.addAndGet(301);
    assertThat(t.info(good, 1)).as("expired").isNull();
  }

  @Test
  void theAuthTokenFlagIsParsedAsEtcdParsesIt() throws Exception {
    KeyPair k = ec();
    Path pub = pem("k.pub", k.getPublic());
    Path priv = pem("k.key", k.getPrivate());
    assertThat(TokenProviders.fromFlag("simple", Duration.ofMinutes(5)))
        .isInstanceOf(SimpleTokens.class);
    assertThat(
            TokenProviders.fromFlag(
                "jwt,pub-key=" + pub + ",priv-key=" + priv + ",sign-method=ES256,ttl=10m",
                Duration.ofMinutes(5)))
        .isInstanceOf(JwtTokens.class);
    assertThat(TokenProviders.goDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThatThrownBy(() -> TokenProviders.fromFlag("magic", Duration.ofMinutes(5)))
        .hasMessageContaining("unknown --auth-token type 'magic'");
    assertThatThrownBy(
            () ->
                TokenProviders.fromFlag(
                    "jwt,pub-key=" + pub + ",priv-key=" + priv + ",sign-method=RS256",
                    Duration.ofMinutes(5)))
        .hasMessageContaining("needs RSA keys");
    assertThatThrownBy(() -> TokenProviders.fromFlag("jwt,pub-key=" + pub, Duration.ofMinutes(5)))
        .hasMessageContaining("needs sign-method");
    assertThatThrownBy(
            () ->
                TokenProviders.fromFlag(
                    "jwt,pub-key=/no/such,priv-key=/no/such,sign-method=ES256",
                    Duration.ofMinutes(5)))
        .hasMessageContaining("/no/such");
  }
}
