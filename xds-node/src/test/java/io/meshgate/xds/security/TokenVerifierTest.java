package io.meshgate.xds.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Issuer and verifier against keys given directly: no etcd. */
class TokenVerifierTest {
  private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");
  private static final String GROUP = "gateway/default/edge";

  private final MutableClock clock = new MutableClock(T0);
  private final SigningKey key = SigningKey.generate();
  private final List<PublicKeyEntry> stored = new ArrayList<>(List.of(entry(key)));
  private final AtomicInteger reads = new AtomicInteger();
  private final PublicKeySource source =
      () -> {
        reads.incrementAndGet();
        return List.copyOf(stored);
      };
  private final TokenIssuer issuer = new TokenIssuer(key, clock);
  private final TokenVerifier verifier = new TokenVerifier(source, clock);

  @Test
  void aTokenVerifiesAsItsGroup() {
    // given
    String token = issuer.create(GROUP, Optional.empty(), Duration.ofHours(1));

    // when
    Verified verified = verifier.verify(token, "any-node");

    // then
    assertThat(verified).isInstanceOf(Verified.Accepted.class);
    Verified.Accepted accepted = (Verified.Accepted) verified;
    assertThat(accepted.group()).isEqualTo(GROUP);
    assertThat(accepted.kid()).isEqualTo(key.kid());
    assertThat(accepted.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
    assertThat(accepted.jti()).isNotEmpty();
  }

  @Test
  void theTokenCarriesTheClaimsAndTheKid() throws Exception {
    // when
    SignedJWT jwt =
        SignedJWT.parse(issuer.create(GROUP, Optional.of("edge-"), Duration.ofMinutes(10)));

    // then
    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
    assertThat(jwt.getHeader().getKeyID()).isEqualTo(key.kid()).matches("[0-9a-f]{16}");
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo("meshgate");
    assertThat(claims.getSubject()).isEqualTo(GROUP);
    assertThat(claims.getAudience()).containsExactly("meshgate-xds");
    assertThat(claims.getIssueTime().toInstant()).isEqualTo(T0);
    assertThat(claims.getExpirationTime().toInstant()).isEqualTo(T0.plusSeconds(600));
    assertThat(claims.getStringClaim("meshgate.io/node-id-prefix")).isEqualTo("edge-");
    assertThat(claims.getJWTID()).isNotEmpty();
  }

  @Test
  void eachTokenHasItsOwnJti() throws Exception {
    String a = issuer.create(GROUP, Optional.empty(), Duration.ofHours(1));
    String b = issuer.create(GROUP, Optional.empty(), Duration.ofHours(1));

    assertThat(SignedJWT.parse(a).getJWTClaimsSet().getJWTID())
        .isNotEqualTo(SignedJWT.parse(b).getJWTClaimsSet().getJWTID());
  }

  @Test
  void anExpiredTokenIsRejectedAfterTheClockSkew() {
    // given
    String token = issuer.create(GROUP, Optional.empty(), Duration.ofMinutes(5));

    // when the clock passes exp, but by less than the skew
    clock.set(T0.plus(Duration.ofMinutes(5)).plusSeconds(29));
    // then
    assertThat(verifier.verify(token, "n")).isInstanceOf(Verified.Accepted.class);

    // when it passes exp by more than the skew
    clock.set(T0.plus(Duration.ofMinutes(5)).plusSeconds(31));
    // then
    assertRejected(token, "n", "expired at 2025-03-01T12:05:00Z");
  }

  @Test
  void aTokenLongerLivedThanTheMaximumIsRefusedAtCreationAndAtVerification() throws Exception {
    // at creation
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> issuer.create(GROUP, Optional.empty(), Duration.ofHours(25)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl: PT25H (expected: at most PT24H, MESHGATE_TOKEN_MAX_TTL)");

    // at verification, whoever signed it: a token of 48 h our key signed
    String longLived =
        sign(
            key,
            claims().expirationTime(java.util.Date.from(T0.plus(Duration.ofHours(48)))).build(),
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.kid()).build());
    assertRejected(longLived, "n", "a lifetime of PT48H (expected: at most PT24H)");

    // and one without an issue time, whose lifetime cannot be told
    String noIat =
        sign(
            key,
            claims().issueTime(null).build(),
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.kid()).build());
    assertRejected(noIat, "n", "no issue time (iat)");
  }

  @Test
  void aTokenIssuedInTheFutureIsRejected() {
    // given a token from an issuer whose clock runs ahead
    String token =
        new TokenIssuer(key, Clock.fixed(T0.plusSeconds(120), ZoneOffset.UTC))
            .create(GROUP, Optional.empty(), Duration.ofHours(1));

    // then
    assertRejected(token, "n", "issued in the future, at 2025-03-01T12:02:00Z");
  }

  @Test
  void aWrongAudienceIsRejected() throws Exception {
    // given a token our key signed for another audience
    String token =
        sign(
            key,
            claims().audience("someone-else").build(),
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.kid()).build());

    // then
    assertRejected(token, "n", "audience mismatch");
  }

  @Test
  void aWrongIssuerIsRejected() throws Exception {
    String token =
        sign(
            key,
            claims().issuer("elsewhere").build(),
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.kid()).build());

    assertRejected(token, "n", "issuer mismatch");
  }

  @Test
  void aTamperedPayloadIsABadSignature() {
    // given a token whose subject was changed after signing
    String token = issuer.create("proxyless", Optional.empty(), Duration.ofHours(1));
    String[] parts = token.split("\\.");
    String payload =
        new String(Base64URL.from(parts[1]).decode(), StandardCharsets.UTF_8)
            .replace("\"proxyless\"", "\"" + GROUP + "\"");
    String tampered = parts[0] + "." + Base64URL.encode(payload) + "." + parts[2];

    // then
    assertRejected(tampered, "n", "bad signature");
  }

  @Test
  void aTokenSignedByAnotherKeyWithOurKidIsABadSignature() throws Exception {
    SigningKey other = SigningKey.generate();
    String token =
        sign(
            other,
            claims().build(),
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.kid()).build());

    assertRejected(token, "n", "bad signature");
  }

  @Test
  void anUnknownKidIsRejectedWithTheKid() {
    // given a key the source does not hold
    SigningKey unknown = SigningKey.generate();
    String token =
        new TokenIssuer(unknown, clock).create(GROUP, Optional.empty(), Duration.ofHours(1));

    // then
    assertRejected(token, "n", "signed by unknown key kid=" + unknown.kid());
  }

  @Test
  void garbageIsNotAJwt() {
    assertRejected("not-a-token", "n", "not a JWT");
    assertRejected("a.b.c", "n", "not a JWT");
    assertRejected("", "n", "not a JWT (empty)");
  }

  @Test
  void anUnsignedTokenIsRefused() {
    String unsigned =
        Base64URL.encode("{\"alg\":\"none\"}")
            + "."
            + Base64URL.encode("{\"sub\":\"" + GROUP + "\"}")
            + ".";

    assertRejected(unsigned, "n", "not a JWT");
  }

  @Test
  void theNodeIdPrefixIsEnforced() {
    // given
    String token = issuer.create(GROUP, Optional.of("edge-"), Duration.ofHours(1));

    // then
    assertThat(verifier.verify(token, "edge-7")).isInstanceOf(Verified.Accepted.class);
    assertRejected(token, "x", "node id 'x' does not start with 'edge-'");
  }

  @Test
  void aRetiredKeyStillVerifiesItsTokens() {
    // given a token, then its key retired
    String token = issuer.create(GROUP, Optional.empty(), Duration.ofHours(1));
    stored.set(
        0, new PublicKeyEntry(key.kid(), key.publicKey(), T0, Optional.of(T0.plusSeconds(10))));

    // then
    assertThat(new TokenVerifier(source, clock).verify(token, "n"))
        .isInstanceOf(Verified.Accepted.class);
  }

  @Test
  void aNewKeyIsFoundButUnknownKidsReadTheKeysAtMostOncePerInterval() {
    // given the cache is loaded
    verifier.verify(issuer.create(GROUP, Optional.empty(), Duration.ofHours(1)), "n");
    assertThat(reads).hasValue(1);
    SigningKey added = SigningKey.generate();
    String signedByAdded =
        new TokenIssuer(added, clock).create(GROUP, Optional.empty(), Duration.ofHours(1));

    // when unknown kids arrive within the interval
    clock.set(T0.plusSeconds(6));
    assertRejected(signedByAdded, "n", "signed by unknown key");
    assertRejected(signedByAdded, "n", "signed by unknown key");
    // then one read for both
    assertThat(reads).hasValue(2);

    // when the key is stored and the interval has passed
    stored.add(entry(added));
    clock.set(T0.plusSeconds(12));
    // then it is found
    assertThat(verifier.verify(signedByAdded, "n")).isInstanceOf(Verified.Accepted.class);
    assertThat(reads).hasValue(3);
  }

  @Test
  void aDeletedKeyStopsVerifyingOnceTheCacheIsOld() {
    // given
    String token = issuer.create(GROUP, Optional.empty(), Duration.ofHours(1));
    assertThat(verifier.verify(token, "n")).isInstanceOf(Verified.Accepted.class);

    // when the key is deleted from the store
    stored.clear();

    // then it verifies until the cache is old, not after
    clock.set(T0.plus(TokenVerifier.MAX_CACHE_AGE).minusSeconds(1));
    assertThat(verifier.verify(token, "n")).isInstanceOf(Verified.Accepted.class);
    clock.set(T0.plus(TokenVerifier.MAX_CACHE_AGE));
    assertRejected(token, "n", "signed by unknown key kid=" + key.kid());
  }

  @Test
  void aStoreThatFailsKeepsTheCachedKeys() {
    // given
    String token = issuer.create(GROUP, Optional.empty(), Duration.ofHours(1));
    List<PublicKeyEntry> keys = List.of(entry(key));
    AtomicInteger calls = new AtomicInteger();
    TokenVerifier flaky =
        new TokenVerifier(
            () -> {
              if (calls.incrementAndGet() > 1) {
                throw new IllegalStateException("etcd unavailable");
              }
              return keys;
            },
            clock);
    assertThat(flaky.verify(token, "n")).isInstanceOf(Verified.Accepted.class);

    // when the cache is old and the store fails
    clock.set(T0.plus(TokenVerifier.MAX_CACHE_AGE).plusSeconds(1));

    // then
    assertThat(flaky.verify(token, "n")).isInstanceOf(Verified.Accepted.class);
  }

  @Test
  void theIssuerRefusesBadInput() {
    assertThatThrownBy(() -> issuer.create("/bad", Optional.empty(), Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> issuer.create(GROUP, Optional.empty(), Duration.ZERO))
        .hasMessageContaining("ttl");
    assertThatThrownBy(() -> issuer.create(GROUP, Optional.of(""), Duration.ofHours(1)))
        .hasMessageContaining("nodeIdPrefix");
  }

  @Test
  void keysShowTheirKidOnly() {
    assertThat(key.toString()).isEqualTo("SigningKey[kid=" + key.kid() + "]");
    assertThat(issuer.toString()).doesNotContain("privateKey");
  }

  private void assertRejected(String token, String nodeId, String reason) {
    Verified verified = verifier.verify(token, nodeId);
    assertThat(verified).isInstanceOf(Verified.Rejected.class);
    String actual = ((Verified.Rejected) verified).reason();
    assertThat(actual).startsWith(reason);
    // The reason goes into logs: never the token, nor any of its parts.
    if (!token.isEmpty()) {
      assertThat(actual).doesNotContain(token);
      for (String part : token.split("\\.")) {
        if (part.length() > 16) {
          assertThat(actual).doesNotContain(part);
        }
      }
    }
  }

  private JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .issuer("meshgate")
        .subject(GROUP)
        .audience("meshgate-xds")
        .issueTime(Date.from(T0))
        .expirationTime(Date.from(T0.plusSeconds(3600)))
        .jwtID("j");
  }

  private static String sign(SigningKey by, JWTClaimsSet claims, JWSHeader header)
      throws Exception {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(new ECDSASigner(by.privateKey()));
    return jwt.serialize();
  }

  private static PublicKeyEntry entry(SigningKey key) {
    return PublicKeyEntry.current(key, T0);
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
