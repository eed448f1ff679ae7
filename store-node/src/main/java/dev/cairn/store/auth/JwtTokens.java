package dev.cairn.store.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;

/**
 * etcd's "jwt" tokens: signed JSON web tokens carrying the user name, the auth revision and an
 * expiry, which any member holding the public key verifies without shared state.
 */
public final class JwtTokens implements TokenProvider {
  private final JWSAlgorithm algorithm;
  private final JWSSigner signer; // null when only the public key is configured
  private final JWSVerifier verifier;
  private final Duration ttl;
  private final Clock clock;

  private JwtTokens(
      JWSAlgorithm algorithm, JWSSigner signer, JWSVerifier verifier, Duration ttl, Clock clock) {
    this.algorithm = algorithm;
    this.signer = signer;
    this.verifier = verifier;
    this.ttl = ttl;
    this.clock = clock;
  }

  /**
   * @param signMethod etcd's sign-method: RS256/384/512, PS256/384/512, ES256/384/512,
   *     HS256/384/512
   * @param publicKey the verifying key (for HS*, unused: the private key file is the secret)
   * @param privateKey the signing key, or null for a member that only verifies
   */
  public static JwtTokens create(
      String signMethod, Path publicKey, Path privateKey, Duration ttl, Clock clock)
      throws IOException {
    JWSAlgorithm alg = JWSAlgorithm.parse(signMethod);
    try {
      if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
        if (privateKey == null) {
          throw new IOException(
              "sign-method " + signMethod + " needs priv-key (the shared secret)");
        }
        byte[] secret = Files.readAllBytes(privateKey);
        return new JwtTokens(alg, new MACSigner(secret), new MACVerifier(secret), ttl, clock);
      }
      if (publicKey == null) {
        throw new IOException("sign-method " + signMethod + " needs pub-key");
      }
      PublicKey pub = PemKeys.publicKey(publicKey);
      PrivateKey priv = privateKey == null ? null : PemKeys.privateKey(privateKey);
      if (JWSAlgorithm.Family.RSA.contains(alg)) {
        if (!(pub instanceof RSAPublicKey rsa)
            || (priv != null && !(priv instanceof RSAPrivateKey))) {
          throw new IOException("sign-method " + signMethod + " needs RSA keys");
        }
        return new JwtTokens(
            alg, priv == null ? null : new RSASSASigner(priv), new RSASSAVerifier(rsa), ttl, clock);
      }
      if (JWSAlgorithm.Family.EC.contains(alg)) {
        if (!(pub instanceof ECPublicKey ec) || (priv != null && !(priv instanceof ECPrivateKey))) {
          throw new IOException("sign-method " + signMethod + " needs EC keys");
        }
        return new JwtTokens(
            alg,
            priv == null ? null : new ECDSASigner((ECPrivateKey) priv),
            new ECDSAVerifier(ec),
            ttl,
            clock);
      }
    } catch (JOSEException e) {
      throw new IOException(
          "unusable key for sign-method " + signMethod + ": " + e.getMessage(), e);
    }
    throw new IOException("unsupported sign-method " + signMethod);
  }

  @Override
  public String newPrefix() {
    return "";
  }

  @Override
  public String assign(String user, long revision, String prefix, long index) {
    if (signer == null) {
      throw new IllegalStateException("auth: token signing attempted with verify-only key");
    }
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .claim("username", user)
            .claim("revision", revision)
            .expirationTime(Date.from(clock.instant().plus(ttl)))
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing a token failed: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  @Override
  public AuthInfo info(String token, long currentRevision) {
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      // The algorithm is ours, never the token's: a token naming another one is forged.
      if (!algorithm.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
        return null;
      }
      JWTClaimsSet c = jwt.getJWTClaimsSet();
      Date exp = c.getExpirationTime();
      if (exp == null || !exp.toInstant().isAfter(clock.instant())) {
        return null;
      }
      String user = c.getStringClaim("username");
      Object rev = c.getClaim("revision");
      if (user == null || !(rev instanceof Number n)) {
        return null;
      }
      return new AuthInfo(user, n.longValue());
    } catch (ParseException | JOSEException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public void invalidateUser(String user) {
    // Signed tokens are not held anywhere; the auth revision they carry outdates them instead.
  }

  @Override
  public void enable() {}

  @Override
  public void disable() {}
}
