package io.meshgate.xds.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The holdoff on a manual clock: deterministic, no waiting. */
class HoldoffTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<Instant> rebuilds = new ArrayList<>();
  private final List<Holdoff.Release> releases = new ArrayList<>();
  private final Holdoff holdoff =
      new Holdoff(
          Duration.ofMillis(100),
          Duration.ofSeconds(1),
          scheduler,
          () -> {
            rebuilds.add(scheduler.now());
            releases.add(this.holdoff.lastRelease());
          });

  @Test
  void aChangeAfterAQuietPeriodRebuildsAtOnce() {
    holdoff.changed();

    assertThat(rebuilds).containsExactly(scheduler.now());
  }

  @Test
  void changesInsideOneWindowCoalesceIntoOneRebuild() {
    // given: a first change rebuilds at once
    holdoff.changed();
    Instant start = scheduler.now();

    // when: 50 changes 10 ms apart follow
    for (int i = 0; i < 50; i++) {
      scheduler.advance(Duration.ofMillis(10));
      holdoff.changed();
    }
    scheduler.advance(Duration.ofSeconds(2));

    // then: the burst (500 ms) gave one rebuild, 100 ms after its last change
    assertThat(rebuilds).hasSize(2);
    assertThat(rebuilds.get(1)).isEqualTo(start.plusMillis(500 + 100));
  }

  @Test
  void aSteadyStreamStillRebuildsAtLeastEveryMaxDelay() {
    holdoff.changed();
    Instant start = scheduler.now();

    // 3 s of changes every 50 ms: never quiet for 100 ms
    for (int i = 0; i < 60; i++) {
      scheduler.advance(Duration.ofMillis(50));
      holdoff.changed();
    }
    scheduler.advance(Duration.ofSeconds(2));

    assertThat(rebuilds.get(1)).isEqualTo(start.plusMillis(50 + 1000));
    for (int i = 2; i < rebuilds.size(); i++) {
      assertThat(Duration.between(rebuilds.get(i - 1), rebuilds.get(i)))
          .isLessThanOrEqualTo(Duration.ofMillis(1100));
    }
    assertThat(rebuilds.size()).isBetween(3, 6);
  }

  @Test
  void burstsASecondApartGetOneRebuildEachAfterTheFirst() {
    // given: a first burst after a long calm (its first change rebuilds at once, the rest after)
    burst();
    scheduler.advance(Duration.ofMillis(600));
    assertThat(rebuilds).hasSize(2);

    // when: four more bursts, one a second: 20 changes 20 ms apart each (as an applier applying a
    // publisher's batch), then calm until the next
    List<Integer> perBurst = new ArrayList<>();
    for (int b = 0; b < 4; b++) {
      int before = rebuilds.size();
      burst();
      scheduler.advance(Duration.ofMillis(600));
      perBurst.add(rebuilds.size() - before);
    }

    // then: each burst is one rebuild, 100 ms after its last change: one push per type per window
    assertThat(perBurst).containsExactly(1, 1, 1, 1);
    for (int i = 2; i < rebuilds.size(); i++) {
      assertThat(Duration.between(rebuilds.get(i - 1), rebuilds.get(i)))
          .isEqualTo(Duration.ofSeconds(1));
    }
  }

  @Test
  void eachRebuildSaysWhatStartedIt() {
    // a lone change; a change held until the quiet time; a steady stream held until the maximum
    holdoff.changed();
    scheduler.advance(Duration.ofMillis(500));
    holdoff.changed();
    scheduler.advance(Duration.ofMillis(100));
    for (int i = 0; i < 30; i++) {
      scheduler.advance(Duration.ofMillis(50));
      holdoff.changed();
    }

    assertThat(releases)
        .containsExactly(Holdoff.Release.LEADING_EDGE, Holdoff.Release.QUIET, Holdoff.Release.MAX);
  }

  @Test
  void aBurstWhoseChangesComeFurtherApartThanTheQuietTimeRebuildsAtEachGap() {
    // given: a rebuild, then calm
    holdoff.changed();
    scheduler.advance(Duration.ofSeconds(2));
    int before = rebuilds.size();

    // when: one second's changes arrive as 8 changes 125 ms apart (an applier's transactions on a
    // busy machine, issue 24 §3's state-of-the-world churn)
    for (int i = 0; i < 8; i++) {
      holdoff.changed();
      scheduler.advance(Duration.ofMillis(125));
    }
    scheduler.advance(Duration.ofSeconds(2));

    // then: the first at once, each later one after the quiet time: 8 rebuilds, not one
    assertThat(rebuilds.size() - before).isEqualTo(8);
    assertThat(releases.subList(before, releases.size()))
        .containsExactly(
            Holdoff.Release.LEADING_EDGE,
            Holdoff.Release.QUIET,
            Holdoff.Release.QUIET,
            Holdoff.Release.QUIET,
            Holdoff.Release.QUIET,
            Holdoff.Release.QUIET,
            Holdoff.Release.QUIET,
            Holdoff.Release.QUIET);
  }

  /** 20 changes 20 ms apart: 400 ms. */
  private void burst() {
    for (int i = 0; i < 20; i++) {
      holdoff.changed();
      scheduler.advance(Duration.ofMillis(20));
    }
  }

  @Test
  void aLoneChangeAMaximumAfterTheLastRebuildRebuildsAtOnceAndOneSoonerWaitsTheQuietTime() {
    // given
    holdoff.changed();
    scheduler.advance(Duration.ofMillis(500));

    // when: half a second after the rebuild
    holdoff.changed();

    // then: it waits the quiet time
    assertThat(rebuilds).hasSize(1);
    scheduler.advance(Duration.ofMillis(100));
    assertThat(rebuilds).hasSize(2);

    // when: a second after that rebuild
    scheduler.advance(Duration.ofSeconds(1));
    holdoff.changed();

    // then: at once
    assertThat(rebuilds).hasSize(3);
    assertThat(rebuilds.get(2)).isEqualTo(scheduler.now());
  }

  @Test
  void aChangeRightAfterARebuildWaitsForTheQuietPeriod() {
    holdoff.changed();
    scheduler.advance(Duration.ofMillis(30));

    holdoff.changed();

    assertThat(rebuilds).hasSize(1);
    scheduler.advance(Duration.ofMillis(100));
    assertThat(rebuilds).hasSize(2);
  }

  @Test
  void theEndpointHoldoffDefaultsToTwentyAndAHundredMillisecondsCappedByTheConfigs() {
    assertThat(
            Holdoff.Window.endpointsFor(
                new Holdoff.Window(Duration.ofMillis(100), Duration.ofSeconds(1))))
        .isEqualTo(new Holdoff.Window(Duration.ofMillis(20), Duration.ofMillis(100)));
    assertThat(
            Holdoff.Window.endpointsFor(
                new Holdoff.Window(Duration.ofMillis(5), Duration.ofMillis(50))))
        .isEqualTo(new Holdoff.Window(Duration.ofMillis(5), Duration.ofMillis(50)));
  }

  @Test
  void aSteadyStreamOfEndpointChangesRebuildsAtLeastEveryEndpointMaximum() {
    // given: an endpoint change rebuilds at once
    holdoff.endpointsChanged();
    Instant start = scheduler.now();

    // when: 3 s of endpoint changes every 10 ms, never quiet for 20 ms
    for (int i = 0; i < 300; i++) {
      scheduler.advance(Duration.ofMillis(10));
      holdoff.endpointsChanged();
    }
    scheduler.advance(Duration.ofSeconds(2));

    // then: the first held change waits the endpoint maximum (100 ms), not the config's (1 s)
    assertThat(rebuilds.get(1)).isEqualTo(start.plusMillis(10 + 100));
    for (int i = 2; i < rebuilds.size(); i++) {
      assertThat(Duration.between(rebuilds.get(i - 1), rebuilds.get(i)))
          .isLessThanOrEqualTo(Duration.ofMillis(110));
    }
    assertThat(rebuilds.size()).isBetween(27, 32);
  }

  @Test
  void anEndpointChangeRightAfterARebuildWaitsForTheEndpointQuietTime() {
    // given
    holdoff.changed();
    scheduler.advance(Duration.ofMillis(10));

    // when
    holdoff.endpointsChanged();

    // then: 20 ms after it, not the config's 100
    scheduler.advance(Duration.ofMillis(19));
    assertThat(rebuilds).hasSize(1);
    scheduler.advance(Duration.ofMillis(1));
    assertThat(rebuilds).hasSize(2);
  }

  @Test
  void anEndpointChangeAfterTheEndpointQuietTimeRebuildsAtOnce() {
    // given
    holdoff.endpointsChanged();
    scheduler.advance(Duration.ofMillis(20));

    // when
    holdoff.endpointsChanged();

    // then
    assertThat(rebuilds).hasSize(2);
    assertThat(rebuilds.get(1)).isEqualTo(scheduler.now());
  }

  @Test
  void aConfigChangeAmongEndpointChangesHoldsTheBurstByTheConfigsWindow() {
    // given: an endpoint change rebuilt at once, and one held
    holdoff.endpointsChanged();
    Instant start = scheduler.now();
    scheduler.advance(Duration.ofMillis(10));
    holdoff.endpointsChanged();

    // when: a config change joins, then endpoint changes every 50 ms for 2 s
    scheduler.advance(Duration.ofMillis(10));
    holdoff.changed();
    for (int i = 0; i < 40; i++) {
      scheduler.advance(Duration.ofMillis(50));
      holdoff.endpointsChanged();
    }

    // then: the held burst waited the config's maximum, counted from its first change
    assertThat(rebuilds.get(1)).isEqualTo(start.plusMillis(10 + 1000));
    // and after it, endpoint changes alone are back on the endpoint holdoff
    for (int i = 2; i < rebuilds.size(); i++) {
      assertThat(Duration.between(rebuilds.get(i - 1), rebuilds.get(i)))
          .isLessThanOrEqualTo(Duration.ofMillis(100));
    }
  }
}
