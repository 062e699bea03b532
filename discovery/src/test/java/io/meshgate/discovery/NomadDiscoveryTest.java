package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.nomad.NomadClient;
import io.meshgate.discovery.nomad.NomadSettings;
import io.meshgate.testkit.NomadApiDouble;
import io.meshgate.testkit.NomadApiDouble.Registration;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Nomad Backends through {@link EndpointDiscovery} and {@link NomadClient} against testkit's {@link
 * NomadApiDouble}, which follows Nomad's documented HTTP API.
 */
class NomadDiscoveryTest {
  private static final ResourceKey API = new ResourceKey(Kind.BACKEND, "default", "api");
  private static final Duration SOON = Duration.ofSeconds(10);

  /** How long a check's change may take to show: one re-read, Nomad's jitter and a margin. */
  private static final Duration CHECK_CHANGE = NomadClient.CHECKS_EVERY.plusSeconds(5);

  private static ConfigSnapshot config(String nomadSource) {
    String yaml =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: api, namespace: default}
        spec: {nomad: %s}
        """
            .formatted(nomadSource);
    return TestConfigs.snapshot(yaml);
  }

  @Test
  void aNomadRegistrationAppearsAndLeavesAndAnAgentAwayLeavesThemStale() {
    AtomicReference<EndpointDiscovery.Discovered> latest =
        new AtomicReference<>(EndpointDiscovery.Discovered.empty());
    try (NomadApiDouble nomad = NomadApiDouble.create();
        EndpointDiscovery discovery =
            new EndpointDiscovery(
                null,
                NomadClient.of(NomadSettings.at(URI.create(nomad.address()))),
                latest::set,
                Clock.systemUTC())) {
      discovery.configChanged(config("{service: api, tags: [http]}"));
      nomad.register(Registration.of("api", "a1", "10.0.1.1", 9090).withTags("http"));
      nomad.register(Registration.of("api", "a2", "10.0.1.2", 9090));

      // then: the tagged instance only, with its provenance
      await().atMost(SOON).until(() -> latest.get().endpoints().endpoints(API).size() == 1);
      List<DiscoveredEndpoint> endpoints = latest.get().endpoints().endpoints(API);
      assertThat(endpoints.get(0).address()).isEqualTo("10.0.1.1");
      assertThat(endpoints.get(0).source())
          .isEqualTo("nomad/dc1@" + latest.get().states().get(API).index());
      assertThat(endpoints.get(0).metadata()).containsEntry("tag.http", "true");

      // when Nomad goes away: kept, stale
      nomad.stop();
      await().atMost(SOON).until(() -> latest.get().states().get(API).staleSince() != null);
      assertThat(latest.get().endpoints().endpoints(API)).hasSize(1);

      // when it is back and the instance deregistered: gone, fresh
      nomad.start();
      nomad.deregister("a1");
      await()
          .atMost(Duration.ofSeconds(40))
          .until(() -> latest.get().endpoints().endpoints(API).isEmpty());
      assertThat(latest.get().states().get(API).staleSince()).isNull();
    }
  }

  @Test
  void withChecksACheckChangeIsSeenThoughNoIndexMovesAndAFailedReadKeepsTheInstance() {
    // given: a Backend reading checks, two allocations whose checks pass
    AtomicReference<EndpointDiscovery.Discovered> latest =
        new AtomicReference<>(EndpointDiscovery.Discovered.empty());
    try (NomadApiDouble nomad = NomadApiDouble.create();
        EndpointDiscovery discovery =
            new EndpointDiscovery(
                null,
                NomadClient.of(NomadSettings.at(URI.create(nomad.address()))),
                latest::set,
                Clock.systemUTC())) {
      nomad.register(Registration.of("api", "a1", "10.0.1.1", 9090));
      nomad.register(Registration.of("api", "a2", "10.0.1.2", 9090));
      nomad.setCheck("alloc-a1", "api", "alive", "success");
      nomad.setCheck("alloc-a2", "api", "alive", "success");
      discovery.configChanged(config("{service: api, checks: true}"));
      await().atMost(SOON).until(() -> health(latest).equals(List.of("HEALTHY", "HEALTHY")));
      long index = nomad.raftIndex();

      // when: a1's check fails; Nomad moves no index for it
      nomad.setCheck("alloc-a1", "api", "alive", "failure");

      // then: seen at the next re-read, at most CHECKS_EVERY (plus Nomad's jitter) later
      await()
          .atMost(CHECK_CHANGE)
          .until(() -> health(latest).equals(List.of("UNHEALTHY", "HEALTHY")));
      assertThat(nomad.raftIndex()).isEqualTo(index);

      // when: a2's checks cannot be read while its check fails, then a1's check passes again
      nomad.failChecks("alloc-a2", 500, "rpc error: No path to node");
      nomad.setCheck("alloc-a2", "api", "alive", "failure");
      nomad.setCheck("alloc-a1", "api", "alive", "success");

      // then: a1 is healthy again; the re-read that saw it failed to read a2's checks, and a2 is
      // kept with the health last read, not dropped and not the failure it could not read
      await().atMost(CHECK_CHANGE).until(() -> health(latest).get(0).equals("HEALTHY"));
      assertThat(health(latest)).containsExactly("HEALTHY", "HEALTHY");
      assertThat(latest.get().states().get(API).staleSince()).isNull();
    }
  }

  /** The health of the Backend's endpoints, by address. */
  private static List<String> health(AtomicReference<EndpointDiscovery.Discovered> latest) {
    return latest.get().endpoints().endpoints(API).stream()
        .sorted(Comparator.comparing(DiscoveredEndpoint::address))
        .map(e -> e.health().name())
        .toList();
  }

  @Test
  void withoutANomadAddressANomadBackendIsStaleAndSaysWhy() {
    AtomicReference<EndpointDiscovery.Discovered> latest = new AtomicReference<>();
    try (EndpointDiscovery discovery =
        new EndpointDiscovery(null, null, latest::set, Clock.systemUTC())) {
      discovery.configChanged(config("{service: api}"));

      assertThat(latest.get().states().get(API).problem()).contains("NOMAD_ADDR");
      assertThat(latest.get().pending()).isEmpty();
    }
  }
}
