package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The credential sweeps cost what they end, not what is open: the expiry sweep looks at the streams
 * due (soonest first) and one more, the revocation sweep only at the streams of revoked keys.
 * Counted by the registry (a counter, not a timer).
 */
class CredentialSweepTest {
  private static final String GROUP = "gateway/default/edge";
  private static final Instant NOW = Instant.parse("2026-12-07T11:00:00Z");

  private final Streams streams = new Streams(new StreamAdmission(1_000_000), Clock.systemUTC());
  private long ids;

  /** A stream that only records how it was ended. */
  private final class Ended implements Streams.Stream {
    final long id = ++ids;
    final List<Status> statuses = new ArrayList<>();

    @Override
    public long id() {
      return id;
    }

    @Override
    public void groupChanged() {}

    @Override
    public StreamStatus status() {
      return new StreamStatus(id, "node-" + id, GROUP, false, List.of());
    }

    @Override
    public void end(Status status) {
      statuses.add(status);
    }
  }

  private Ended open(Instant validUntil, String kid) {
    Ended stream = new Ended();
    streams.open(GROUP, stream, Optional.of(validUntil), Optional.of(kid));
    return stream;
  }

  @Test
  void theExpirySweepLooksOnlyAtTheStreamsDueAndOneMore() {
    // given: 1,000 streams valid for an hour, 3 whose tokens end now
    for (int i = 0; i < 1_000; i++) {
      open(NOW.plusSeconds(3_600 + i), "A");
    }
    List<Ended> due = List.of(open(NOW.minusSeconds(1), "A"), open(NOW, "A"), open(NOW, "A"));

    // when
    int ended = streams.endExpired(NOW);

    // then: the three end, and the sweep looked at four entries, not 1,003
    assertThat(ended).isEqualTo(3);
    assertThat(due).allMatch(s -> s.statuses.size() == 1);
    assertThat(streams.credentialsChecked()).isEqualTo(4);
    assertThat(streams.groups()).containsExactly(GROUP);
    assertThat(streams.statuses(GROUP)).hasSize(1_000);

    // when: a second later, nothing is due; the sweep looks at one entry
    assertThat(streams.endExpired(NOW.plusSeconds(1))).isZero();
    assertThat(streams.credentialsChecked()).isEqualTo(5);
  }

  @Test
  void theRevocationSweepLooksOnlyAtTheStreamsOfRevokedKeys() {
    // given: 500 streams on key A, 2 on key B
    for (int i = 0; i < 500; i++) {
      open(NOW.plusSeconds(3_600), "A");
    }
    Ended first = open(NOW.plusSeconds(3_600), "B");
    Ended second = open(NOW.plusSeconds(3_600), "B");

    // when: B is revoked
    int ended = streams.endRevoked(Set.of("A")::contains);

    // then
    assertThat(ended).isEqualTo(2);
    assertThat(first.statuses)
        .singleElement()
        .extracting(Status::getCode)
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(second.statuses).hasSize(1);
    assertThat(streams.credentialsChecked()).isEqualTo(2);
    assertThat(streams.endExpired(NOW.plusSeconds(3_600))).isEqualTo(500);
  }
}
