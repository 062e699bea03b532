package io.meshgate.xds.security;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.Optional;

/**
 * Signs proxy tokens: compact JWS, ES256, the signing key's id in the header; claims {@code iss}
 * {@value #ISSUER}, {@code sub} the proxy group, {@code aud} {@value #AUDIENCE}, {@code iat},
 * {@code exp}, a random {@code jti} and, when given, {@value #NODE_ID_PREFIX_CLAIM}. Thread-safe.
 */
public final class TokenIssuer {
  public static final String ISSUER = "meshgate";
  public static final String AUDIENCE = "meshgate-xds";

  /** The node ids a token may be used by: only those that start with this. */
  public static final String NODE_ID_PREFIX_CLAIM = "meshgate.io/node-id-prefix";

  /** The longest a token may live, unless the operator sets another maximum. */
  public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(24);

  private final SigningKey key;
  private final ECDSASigner signer;
  private final Clock clock;
  private final Duration maxTtl;
  private final SecureRandom random = new SecureRandom();

  /** Tokens of at most {@link #DEFAULT_MAX_TTL}. */
  public TokenIssuer(SigningKey key, Clock clock) {
    this(key, clock, DEFAULT_MAX_TTL);
  }

  /**
   * @param maxTtl the longest lifetime a token may be given (the verifiers refuse longer ones too)
   */
  public TokenIssuer(SigningKey key, Clock clock, Duration maxTtl) {
    this.key = requireNonNull(key, "key");
    this.clock = requireNonNull(clock, "clock");
    this.maxTtl = requireNonNull(maxTtl, "maxTtl");
    try {
      this.signer = new ECDSASigner(key.privateKey());
    } catch (JOSEException e) {
      throw new IllegalArgumentException("key " + key.kid() + " cannot sign ES256", e);
    }
  }

  /**
   * A token for {@code group} that expires {@code ttl} from now.
   *
   * @throws IllegalArgumentException if the group is not a group name (see {@link Spiffe}), the
   *     prefix is empty or the ttl is not positive or longer than the maximum
   */
  public String create(String group, Optional<String> nodeIdPrefix, Duration ttl) {
    Spiffe.forGroup(group);
    requireNonNull(nodeIdPrefix, "nodeIdPrefix");
    requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: at least 1s)");
    }
    if (ttl.compareTo(maxTtl) > 0) {
      throw new IllegalArgumentException(
          "ttl: " + ttl + " (expected: at most " + maxTtl + ", MESHGATE_TOKEN_MAX_TTL)");
    }
    if (nodeIdPrefix.filter(String::isEmpty).isPresent()) {
      throw new IllegalArgumentException("nodeIdPrefix: '' (expected: not empty, or absent)");
    }
    // JWT times are whole seconds; truncating keeps exp - iat exactly the ttl.
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    byte[] jti = new byte[16];
    random.nextBytes(jti);
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .subject(group)
            .audience(AUDIENCE)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ttl)))
            .jwtID(Base64.getUrlEncoder().withoutPadding().encodeToString(jti));
    nodeIdPrefix.ifPresent(prefix -> claims.claim(NODE_ID_PREFIX_CLAIM, prefix));
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(key.kid())
                .type(JOSEObjectType.JWT)
                .build(),
            claims.build());
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing with key " + key.kid() + " failed", e);
    }
    return jwt.serialize();
  }

  /** The id of the key this issuer signs with. */
  public String kid() {
    return key.kid();
  }

  @Override
  public String toString() {
    return "TokenIssuer[kid=" + key.kid() + "]";
  }
}
