package io.meshgate.xds.security;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies proxy tokens made by {@link TokenIssuer}: ES256 signature by a known key (current or
 * retired), issuer, audience, expiry with {@link #CLOCK_SKEW} of tolerance, and the node-id prefix
 * when the token carries one. Rejection reasons never contain the token, so callers may log them.
 *
 * <p>Keys are cached. The cache is read again when a token names an unknown kid (a key created
 * since), at most once per {@link #MIN_REFRESH_INTERVAL} so that garbage kids cannot hammer etcd,
 * and when it is older than {@link #MAX_CACHE_AGE}, so that a key deleted to revoke its tokens
 * stops verifying within that time. Thread-safe; verifications with a known kid never wait for a
 * refresh in progress unless the cache is stale.
 *
 * <p>A {@link LivePublicKeys} source (the replica's watched view of etcd) is asked on every token
 * once it has loaded, without the cache: a key deleted to revoke it is refused at once.
 */
public final class TokenVerifier {
  public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
  static final Duration MIN_REFRESH_INTERVAL = Duration.ofSeconds(5);
  static final Duration MAX_CACHE_AGE = Duration.ofMinutes(5);

  /** Longer input is refused before parsing: our tokens are well under 1 KiB. */
  static final int MAX_TOKEN_LENGTH = 8192;

  private static final Logger log = LoggerFactory.getLogger(TokenVerifier.class);

  private final PublicKeySource source;
  private final Clock clock;
  private final Duration maxTtl;

  private volatile Map<String, PublicKeyEntry> keys = Map.of();

  // Written under this lock only; Instant.MIN means never loaded.
  private volatile Instant lastRefresh = Instant.MIN;

  /** Tokens of at most {@link TokenIssuer#DEFAULT_MAX_TTL}. */
  public TokenVerifier(PublicKeySource source, Clock clock) {
    this(source, clock, TokenIssuer.DEFAULT_MAX_TTL);
  }

  /**
   * @param maxTtl tokens whose lifetime ({@code exp - iat}) is longer are refused, whoever signed
   *     them
   */
  public TokenVerifier(PublicKeySource source, Clock clock, Duration maxTtl) {
    this.source = requireNonNull(source, "source");
    this.clock = requireNonNull(clock, "clock");
    this.maxTtl = requireNonNull(maxTtl, "maxTtl");
  }

  /**
   * Checks {@code token} for a stream whose node id is {@code nodeId}.
   *
   * @param token the compact JWS, without "Bearer "
   */
  public Verified verify(@Nullable String token, String nodeId) {
    requireNonNull(nodeId, "nodeId");
    if (token == null || token.isBlank()) {
      return new Verified.Rejected("not a JWT (empty)");
    }
    if (token.length() > MAX_TOKEN_LENGTH) {
      return new Verified.Rejected(
          "not a JWT ("
              + token.length()
              + " characters, expected at most "
              + MAX_TOKEN_LENGTH
              + ")");
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      // The parser's message may quote the input: not carried.
      return new Verified.Rejected("not a JWT");
    }
    JWSHeader header = jwt.getHeader();
    if (!JWSAlgorithm.ES256.equals(header.getAlgorithm())) {
      return new Verified.Rejected(
          "algorithm " + printable(String.valueOf(header.getAlgorithm())) + " (expected: ES256)");
    }
    String kid = header.getKeyID();
    if (kid == null || kid.isEmpty()) {
      return new Verified.Rejected("no kid in the header");
    }
    Optional<PublicKeyEntry> key = key(kid);
    if (key.isEmpty()) {
      return new Verified.Rejected("signed by unknown key kid=" + printable(kid));
    }
    try {
      if (!jwt.verify(new ECDSAVerifier(key.get().publicKey()))) {
        return new Verified.Rejected("bad signature");
      }
    } catch (JOSEException | IllegalStateException e) {
      return new Verified.Rejected("bad signature");
    }
    // From here on the claims were signed by one of our keys.
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return new Verified.Rejected("not a JWT (the payload is not a claims set)");
    }
    return checkClaims(claims, kid, nodeId);
  }

  private Verified checkClaims(JWTClaimsSet claims, String kid, String nodeId) {
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      return new Verified.Rejected("no expiry (exp)");
    }
    Instant expiresAt = exp.toInstant();
    if (now.isAfter(expiresAt.plus(CLOCK_SKEW))) {
      return new Verified.Rejected("expired at " + expiresAt);
    }
    Date iat = claims.getIssueTime();
    if (iat == null) {
      return new Verified.Rejected("no issue time (iat)");
    }
    if (iat.toInstant().isAfter(now.plus(CLOCK_SKEW))) {
      return new Verified.Rejected("issued in the future, at " + iat.toInstant());
    }
    Duration lifetime = Duration.between(iat.toInstant(), expiresAt);
    if (lifetime.compareTo(maxTtl) > 0) {
      return new Verified.Rejected(
          "a lifetime of " + lifetime + " (expected: at most " + maxTtl + ")");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && nbf.toInstant().isAfter(now.plus(CLOCK_SKEW))) {
      return new Verified.Rejected("not valid before " + nbf.toInstant());
    }
    if (!TokenIssuer.ISSUER.equals(claims.getIssuer())) {
      return new Verified.Rejected("issuer mismatch");
    }
    List<String> audience = claims.getAudience();
    if (audience == null || !audience.contains(TokenIssuer.AUDIENCE)) {
      return new Verified.Rejected("audience mismatch");
    }
    String group = claims.getSubject();
    if (group == null || !isGroupName(group)) {
      return new Verified.Rejected("the subject is not a proxy group");
    }
    String prefix;
    try {
      prefix = claims.getStringClaim(TokenIssuer.NODE_ID_PREFIX_CLAIM);
    } catch (ParseException e) {
      return new Verified.Rejected(TokenIssuer.NODE_ID_PREFIX_CLAIM + " is not a string");
    }
    if (prefix != null && !nodeId.startsWith(prefix)) {
      return new Verified.Rejected(
          "node id '" + printable(nodeId) + "' does not start with '" + printable(prefix) + "'");
    }
    String jti = claims.getJWTID() == null ? "" : claims.getJWTID();
    return new Verified.Accepted(group, kid, jti, expiresAt);
  }

  private static boolean isGroupName(String group) {
    try {
      Spiffe.forGroup(group);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private Optional<PublicKeyEntry> key(String kid) {
    if (source instanceof LivePublicKeys live && live.loaded()) {
      return live.find(kid);
    }
    if (clock.instant().isBefore(lastRefresh.plus(MAX_CACHE_AGE))) {
      PublicKeyEntry cached = keys.get(kid);
      if (cached != null) {
        return Optional.of(cached);
      }
    }
    return refreshFor(kid);
  }

  /** Reloads unless another caller just did; then looks {@code kid} up. */
  private synchronized Optional<PublicKeyEntry> refreshFor(String kid) {
    Instant now = clock.instant();
    boolean stale = !now.isBefore(lastRefresh.plus(MAX_CACHE_AGE));
    boolean unknown = !keys.containsKey(kid);
    boolean allowed = !now.isBefore(lastRefresh.plus(MIN_REFRESH_INTERVAL));
    if (stale || (unknown && allowed)) {
      lastRefresh = now;
      try {
        keys =
            source.publicKeys().stream()
                .collect(
                    Collectors.toUnmodifiableMap(
                        PublicKeyEntry::kid, Function.identity(), (a, b) -> a));
      } catch (RuntimeException e) {
        // Keep verifying with the keys we have; the next unknown kid tries again.
        log.warn(
            "cannot read the proxy-token keys, keeping {} cached: {}", keys.size(), e.toString());
      }
    }
    return Optional.ofNullable(keys.get(kid));
  }

  /** For reasons: printable ASCII only, at most 64 characters, so a log line stays one line. */
  static String printable(String value) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < value.length() && i < 64; i++) {
      char c = value.charAt(i);
      out.append(c >= 0x20 && c < 0x7f && c != '\'' ? c : '?');
    }
    if (value.length() > 64) {
      out.append("...");
    }
    return out.toString();
  }
}
