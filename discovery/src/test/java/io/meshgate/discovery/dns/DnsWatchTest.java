package io.meshgate.discovery.dns;

import static io.meshgate.discovery.dns.DnsResolverTest.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.model.DnsSource;
import io.meshgate.discovery.BlockingQuery;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointHealth;
import io.meshgate.testkit.DnsServerDouble;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DnsWatchTest {
  private static final Duration WITHIN = Duration.ofSeconds(10);

  /** Short bounds so TTL-driven tests take a second, not minutes. */
  private static final DnsWatch.Bounds QUICK =
      new DnsWatch.Bounds(
          Duration.ofMillis(100),
          Duration.ofSeconds(300),
          Duration.ofMillis(200),
          Duration.ofMillis(200));

  private final DnsServerDouble dns = DnsServerDouble.create();
  private final DnsResolver resolver =
      new DnsResolver(List.of(dns.address())).withTimeout(Duration.ofMillis(300));
  private final Events events = new Events();
  private final List<DnsWatch> watches = new ArrayList<>();

  @AfterEach
  void stop() {
    watches.forEach(DnsWatch::close);
    dns.close();
  }

  @Test
  void eachAddressIsAHealthyEndpointOnTheSourcesPortSorted() {
    // given
    dns.put("web.test", Duration.ofSeconds(60), ip("10.0.0.2"), ip("fd00::1"), ip("10.0.0.1"));

    // when
    watch("web.test", QUICK);

    // then
    await().atMost(WITHIN).until(() -> !events.changes().isEmpty());
    assertThat(events.changes().get(0))
        .containsExactly(
            endpoint("10.0.0.1"), endpoint("10.0.0.2"), endpoint("fd00:0:0:0:0:0:0:1"));
  }

  @Test
  void aChangedRecordIsSeenAfterItsTtl() {
    // given
    dns.put("web.test", Duration.ofSeconds(1), ip("10.0.0.1"));
    watch("web.test", QUICK);
    await().atMost(WITHIN).until(() -> events.changes().size() == 1);

    // when
    dns.put("web.test", Duration.ofSeconds(1), ip("10.0.0.2"));

    // then
    await().atMost(WITHIN).until(() -> events.changes().size() == 2);
    assertThat(events.changes().get(1)).containsExactly(endpoint("10.0.0.2"));
  }

  @Test
  void theSameAddressesAreNotReportedAgain() {
    // given: a 0 s TTL, bounded up to 100 ms: many resolutions
    dns.put("web.test", Duration.ZERO, ip("10.0.0.1"), ip("10.0.0.2"));
    watch("web.test", QUICK);

    // when
    await().atMost(WITHIN).until(() -> dns.queryCount() >= 10);

    // then
    assertThat(events.changes()).hasSize(1);
  }

  @Test
  void aZeroTtlDoesNotMakeABusyLoop() {
    // given: the production bounds, a 1 s floor
    dns.put("web.test", Duration.ZERO, ip("10.0.0.1"));

    // when
    watch("web.test", DnsWatch.Bounds.DEFAULT);

    // then: two queries (A, AAAA) per resolution, one resolution a second
    await().atMost(WITHIN).until(() -> dns.queryCount() >= 2);
    await()
        .during(Duration.ofMillis(2_500))
        .atMost(Duration.ofSeconds(4))
        .until(() -> dns.queryCount() <= 8); // a busy loop would ask thousands of times
  }

  @Test
  void aNameThatDoesNotExistIsAnEmptyFirstAnswer() {
    // when
    watch("nowhere.test", QUICK);

    // then
    await().atMost(WITHIN).until(() -> !events.changes().isEmpty());
    assertThat(events.changes().get(0)).isEmpty();
    assertThat(events.failures()).isEmpty();
  }

  @Test
  void aServerAwayIsReportedAndTheLastAddressesKeptThenRecovered() {
    // given
    dns.put("web.test", Duration.ofSeconds(1), ip("10.0.0.1"));
    watch("web.test", QUICK);
    await().atMost(WITHIN).until(() -> events.changes().size() == 1);
    long version = events.versions().get(0);

    // when
    dns.stop();

    // then
    await().atMost(WITHIN).until(() -> events.failures().size() >= 2);
    assertThat(events.failures().get(1)).isEqualTo(2);
    assertThat(events.changes()).as("nothing replaces what was held").hasSize(1);

    // when
    dns.start();

    // then
    await().atMost(WITHIN).until(() -> !events.recoveries().isEmpty());
    assertThat(events.recoveries().get(0)).isEqualTo(version);
    assertThat(events.changes()).hasSize(1);
  }

  @Test
  void afterFailuresNewAddressesAreAChangeNotARecovery() {
    // given
    dns.put("web.test", Duration.ofSeconds(1), ip("10.0.0.1"));
    watch("web.test", QUICK);
    await().atMost(WITHIN).until(() -> events.changes().size() == 1);

    // when
    dns.failNext(DnsServerDouble.Rcode.SERVFAIL, 2);
    await().atMost(WITHIN).until(() -> !events.failures().isEmpty());
    dns.put("web.test", Duration.ofSeconds(1), ip("10.0.0.3"));

    // then
    await().atMost(WITHIN).until(() -> events.changes().size() == 2);
    assertThat(events.changes().get(1)).containsExactly(endpoint("10.0.0.3"));
    assertThat(events.recoveries()).isEmpty();
  }

  @Test
  void closeStopsResolving() {
    // given
    dns.put("web.test", Duration.ZERO, ip("10.0.0.1"));
    DnsWatch watch = watch("web.test", QUICK);
    await().atMost(WITHIN).until(() -> dns.queryCount() >= 4);

    // when
    watch.close();

    // then: the count settles (a query may have been out) and stays put
    int[] last = {-1};
    await()
        .pollInterval(Duration.ofMillis(300))
        .atMost(WITHIN)
        .until(
            () -> {
              int now = dns.queryCount();
              boolean settled = now == last[0];
              last[0] = now;
              return settled;
            });
    await().during(Duration.ofMillis(500)).atMost(WITHIN).until(() -> dns.queryCount() == last[0]);
  }

  @Test
  void ttlsAreBoundedAndANegativeAnswerWithoutSoaWaitsItsOwnPause() {
    // given
    DnsWatch watch = watch("web.test", DnsWatch.Bounds.DEFAULT);

    // then
    assertThat(watch.next(new DnsResolver.Answer(List.of(ip("10.0.0.1")), Duration.ZERO)))
        .isEqualTo(DnsWatch.MIN_TTL);
    assertThat(watch.next(new DnsResolver.Answer(List.of(ip("10.0.0.1")), Duration.ofDays(1))))
        .isEqualTo(DnsWatch.MAX_TTL);
    assertThat(watch.next(new DnsResolver.Answer(List.of(ip("10.0.0.1")), Duration.ofSeconds(42))))
        .isEqualTo(Duration.ofSeconds(42));
    assertThat(watch.next(new DnsResolver.Answer(List.of(), Duration.ZERO)))
        .isEqualTo(DnsWatch.NEGATIVE_WITHOUT_SOA);
    assertThat(watch.next(new DnsResolver.Answer(List.of(), Duration.ofSeconds(7))))
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(watch.backoff(1).toMillis()).isBetween(187L, 313L);
    assertThat(watch.backoff(20).toMillis()).isBetween(22_500L, 37_500L);
  }

  private DnsWatch watch(String hostname, DnsWatch.Bounds bounds) {
    DnsWatch watch =
        DnsWatch.start("test", new DnsSource(hostname, 8080), resolver, events, bounds);
    watches.add(watch);
    return watch;
  }

  private static DiscoveredEndpoint endpoint(String address) {
    return new DiscoveredEndpoint(address, 8080, 1, "", "", "dns/web.test", EndpointHealth.HEALTHY);
  }

  /** What the watch reported, in order. */
  private static final class Events implements BlockingQuery.Listener<List<DiscoveredEndpoint>> {
    private final List<List<DiscoveredEndpoint>> changes = new CopyOnWriteArrayList<>();
    private final List<Long> versions = new CopyOnWriteArrayList<>();
    private final List<Integer> failures = new CopyOnWriteArrayList<>();
    private final List<Long> recoveries = new CopyOnWriteArrayList<>();

    @Override
    public void changed(List<DiscoveredEndpoint> value, long version) {
      changes.add(value);
      versions.add(version);
    }

    @Override
    public void failed(Exception cause, int inARow) {
      failures.add(inARow);
    }

    @Override
    public void recovered(long version) {
      recoveries.add(version);
    }

    List<List<DiscoveredEndpoint>> changes() {
      return changes;
    }

    List<Long> versions() {
      return versions;
    }

    List<Integer> failures() {
      return failures;
    }

    List<Long> recoveries() {
      return recoveries;
    }
  }
}
