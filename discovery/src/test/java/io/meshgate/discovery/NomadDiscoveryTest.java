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
