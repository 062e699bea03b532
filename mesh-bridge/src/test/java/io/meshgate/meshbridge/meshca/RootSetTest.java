package io.meshgate.meshbridge.meshca;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.SealedData;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which roots are trusted and which signs, through a rotation, on instants chosen by the test. */
class RootSetTest {
  private static final Duration TTL = Duration.ofHours(24);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant ROTATED = T0.plus(Duration.ofDays(30));
  private static final Duration PROPAGATION = Duration.ofMinutes(5);

  private final MeshCaRoot first = root("00000000000000a1", T0, T0);
  private final MeshCaRoot second = root("00000000000000b2", ROTATED, ROTATED.plus(PROPAGATION));

  @Test
  void oneRootIsTrustedAndSignsIndefinitely() {
    // given
    RootSet roots = new RootSet(List.of(first), TTL);

    // then
    assertThat(roots.trustedAt(T0)).containsExactly(first);
    assertThat(roots.trustedAt(T0.plus(Duration.ofDays(3000)))).containsExactly(first);
    assertThat(roots.signerAt(T0)).contains(first);
    assertThat(roots.state(first, T0.plusSeconds(1))).isEqualTo(RootState.ACTIVE);
    assertThat(roots.trustedUntil(first)).isEmpty();
    assertThat(roots.nextChange(T0)).isEmpty();
  }

  @Test
  void theFirstRootSignsWindowsThatStartedBeforeItWasCreated() {
    // given: a leaf's window may start up to 2/3 of its TTL before now
    RootSet roots = new RootSet(List.of(first), TTL);

    // then
    assertThat(roots.signerAt(T0.minus(Duration.ofHours(10)))).contains(first);
    assertThat(roots.trustedAt(T0.minusSeconds(1))).isEmpty();
  }

  @Test
  void aNewRootIsTrustedAtOnceButSignsOnlyAfterPropagation() {
    // given
    RootSet roots = new RootSet(List.of(first, second), TTL);

    // when: just after the rotation
    Instant during = ROTATED.plusSeconds(1);

    // then: both trusted, oldest first; the old one still signs
    assertThat(roots.trustedAt(during)).containsExactly(first, second);
    assertThat(roots.signerAt(during)).contains(first);
    assertThat(roots.state(first, during)).isEqualTo(RootState.ACTIVE);
    assertThat(roots.state(second, during)).isEqualTo(RootState.PREPARED);
    assertThat(roots.trustedAt(ROTATED.minusSeconds(1))).containsExactly(first);
  }

  @Test
  void afterPropagationTheNewRootSignsAndTheOldOneRetiresWhenItsLastLeafExpired() {
    // given
    RootSet roots = new RootSet(List.of(first, second), TTL);
    Instant signsFrom = ROTATED.plus(PROPAGATION);
    Instant lastLeafExpired = signsFrom.plus(TTL).plus(MeshCaSettings.BACKDATE);

    // then: from signsFrom, the new root signs; both stay trusted (overlap)
    assertThat(roots.signerAt(signsFrom.minusSeconds(1))).contains(first);
    assertThat(roots.signerAt(signsFrom)).contains(second);
    assertThat(roots.state(second, signsFrom)).isEqualTo(RootState.ACTIVE);
    assertThat(roots.state(first, signsFrom)).isEqualTo(RootState.RETIRING);
    assertThat(roots.trustedAt(lastLeafExpired.minusSeconds(1))).containsExactly(first, second);

    // and: once the last leaf the old root signed expired, it leaves the bundle
    assertThat(roots.trustedUntil(first)).contains(lastLeafExpired);
    assertThat(roots.trustedAt(lastLeafExpired)).containsExactly(second);
    assertThat(roots.state(first, lastLeafExpired)).isEqualTo(RootState.RETIRED);
    assertThat(roots.trustedUntil(second)).isEmpty();
  }

  @Test
  void nextChangeWalksThroughEveryInstantAnAnswerChanges() {
    // given
    RootSet roots = new RootSet(List.of(first, second), TTL);
    Instant signsFrom = ROTATED.plus(PROPAGATION);

    // then
    assertThat(roots.nextChange(T0)).contains(ROTATED);
    assertThat(roots.nextChange(ROTATED)).contains(signsFrom);
    assertThat(roots.nextChange(signsFrom))
        .contains(signsFrom.plus(TTL).plus(MeshCaSettings.BACKDATE));
    assertThat(roots.nextChange(signsFrom.plus(TTL).plus(MeshCaSettings.BACKDATE))).isEmpty();
  }

  @Test
  void threeRootsEachRetireAfterTheirSuccessorTookOver() {
    // given
    Instant third = ROTATED.plus(Duration.ofDays(30));
    MeshCaRoot newest = root("00000000000000c3", third, third.plus(PROPAGATION));
    RootSet roots = new RootSet(List.of(first, second, newest), TTL);

    // then
    assertThat(roots.trustedAt(third.plusSeconds(1))).containsExactly(second, newest);
    assertThat(roots.signerAt(third.plus(PROPAGATION))).contains(newest);
    assertThat(roots.state(first, third)).isEqualTo(RootState.RETIRED);
    assertThat(roots.state(second, third)).isEqualTo(RootState.ACTIVE);
  }

  private static MeshCaRoot root(String id, Instant created, Instant signsFrom) {
    // RootSet reads ids and times only; the certificate and envelope are never opened here.
    return new MeshCaRoot(
        id,
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        new SealedData(SealedData.ALGORITHM, "0123456789abcdef", "AA==", Map.of("pkcs8", "AA==")),
        created,
        signsFrom);
  }
}
