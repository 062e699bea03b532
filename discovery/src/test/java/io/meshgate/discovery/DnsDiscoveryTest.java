package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.dns.DnsResolver;
import io.meshgate.testkit.DnsServerDouble;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** DNS Backends through {@link EndpointDiscovery} against testkit's {@link DnsServerDouble}. */
class DnsDiscoveryTest {
  private static final ResourceKey API = new ResourceKey(Kind.BACKEND, "default", "api");

  private static ConfigSnapshot config() {
    String yaml =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: api, namespace: default}
        spec: {dns: {hostname: api.example.test, port: 8443}}
        """;
    return TestConfigs.snapshot(yaml);
  }

  private static List<String> addresses(EndpointDiscovery.Discovered discovered) {
    return discovered.endpoints().endpoints(API).stream()
        .map(e -> e.address() + ":" + e.port() + " " + e.source())
        .toList();
  }

  @Test
  void eachAddressIsAnEndpointFollowedOnItsTtlAndKeptStaleWhileTheServerIsAway() throws Exception {
    AtomicReference<EndpointDiscovery.Discovered> latest =
        new AtomicReference<>(EndpointDiscovery.Discovered.empty());
    try (DnsServerDouble dns = DnsServerDouble.create();
        EndpointDiscovery discovery =
            new EndpointDiscovery(
                new EndpointDiscovery.Clients(null, null, new DnsResolver(List.of(dns.address()))),
                latest::set,
                Clock.systemUTC())) {
      dns.put(
          "api.example.test",
          Duration.ofSeconds(1),
          InetAddress.getByName("10.3.0.1"),
          InetAddress.getByName("10.3.0.2"));

      // when
      discovery.configChanged(config());

      // then: each address an endpoint on the Backend's port
      await().atMost(Duration.ofSeconds(10)).until(() -> addresses(latest.get()).size() == 2);
      assertThat(addresses(latest.get()))
          .containsExactly(
              "10.3.0.1:8443 dns/api.example.test", "10.3.0.2:8443 dns/api.example.test");

      // when the record changes: seen after its TTL
      dns.put("api.example.test", Duration.ofSeconds(1), InetAddress.getByName("10.3.0.9"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> addresses(latest.get()).equals(List.of("10.3.0.9:8443 dns/api.example.test")));

      // when the server goes away: kept, stale; back: fresh
      dns.stop();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> latest.get().states().get(API).staleSince() != null);
      assertThat(addresses(latest.get())).hasSize(1);
      dns.start();
      await()
          .atMost(Duration.ofSeconds(40))
          .until(() -> latest.get().states().get(API).staleSince() == null);
    }
  }
}
