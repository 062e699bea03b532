package io.meshgate.xds.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** A verifier on a watched key source asks it on every token: a deleted key is refused at once. */
class LiveKeysVerifierTest {
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
  private static final String GROUP = "gateway/default/edge";

  private final Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
  private final SigningKey a = SigningKey.generate();
  private final SigningKey b = SigningKey.generate();
  private final Map<String, PublicKeyEntry> stored = new ConcurrentHashMap<>();
  private final LivePublicKeys live =
      new LivePublicKeys() {
        @Override
        public boolean loaded() {
          return true;
        }

        @Override
        public Optional<PublicKeyEntry> find(String kid) {
          return Optional.ofNullable(stored.get(kid));
        }

        @Override
        public List<PublicKeyEntry> publicKeys() {
          return List.copyOf(stored.values());
        }
      };

  @Test
  void aRevokedKidIsRefusedAtOnceAndTheOtherStillVerifies() {
    // given: two keys, each with a token verified (and so cached, were there a cache)
    stored.put(a.kid(), PublicKeyEntry.current(a, T0));
    stored.put(b.kid(), PublicKeyEntry.current(b, T0));
    TokenVerifier verifier = new TokenVerifier(live, clock);
    String byA = new TokenIssuer(a, clock).create(GROUP, Optional.empty(), Duration.ofHours(1));
    String byB = new TokenIssuer(b, clock).create(GROUP, Optional.empty(), Duration.ofHours(1));
    assertThat(verifier.verify(byA, "n")).isInstanceOf(Verified.Accepted.class);
    assertThat(verifier.verify(byB, "n")).isInstanceOf(Verified.Accepted.class);

    // when: A is deleted, with the clock not moved
    stored.remove(a.kid());

    // then
    assertThat(verifier.verify(byA, "n"))
        .isEqualTo(new Verified.Rejected("signed by unknown key kid=" + a.kid()));
    assertThat(verifier.verify(byB, "n")).isInstanceOf(Verified.Accepted.class);
  }

  @Test
  void aValidTokenCarriesItsKid() {
    // given
    stored.put(a.kid(), PublicKeyEntry.current(a, T0));
    String byA = new TokenIssuer(a, clock).create(GROUP, Optional.empty(), Duration.ofHours(1));

    // when
    TokenCheck.Result result = TokenCheck.of(new TokenVerifier(live, clock)).check(byA, "n");

    // then
    assertThat(result)
        .isEqualTo(
            new TokenCheck.Result.Valid(
                GROUP,
                T0.plus(Duration.ofHours(1)).plus(TokenVerifier.CLOCK_SKEW),
                Optional.of(a.kid())));
  }
}
