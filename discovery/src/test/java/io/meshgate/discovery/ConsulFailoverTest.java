package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.consul.ConsulClient;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.testkit.ConsulApiDouble.Instance;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A Consul Backend with failover datacenters: one watch per datacenter, priorities in order. */
class ConsulFailoverTest {
  private static final ResourceKey WEB = new ResourceKey(Kind.BACKEND, "default", "web");

  private static ConfigSnapshot config() {
    String yaml =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web, namespace: default}
        spec: {consul: {service: web, datacenter: dc1, failover: [dc2, dc3]}}
        """;
    return TestConfigs.snapshot(yaml);
  }

  @Test
  void eachDatacentersInstancesGetItsPlaceAsPriorityAndAStaleFailoverMarksTheBackend() {
    AtomicReference<EndpointDiscovery.Discovered> latest =
        new AtomicReference<>(EndpointDiscovery.Discovered.empty());
    try (ConsulApiDouble consul =
            ConsulApiDouble.builder().localDatacenter("dc1").remoteDatacenters("dc2").start();
        EndpointDiscovery discovery =
            new EndpointDiscovery(
                ConsulClient.of(ConsulSettings.at(URI.create(consul.address()))),
                latest::set,
                Clock.systemUTC())) {
      consul.register("dc1", Instance.of("web", "web-1", "n1", "10.1.0.1", 8080));
      consul.register("dc2", Instance.of("web", "web-2", "n2", "10.2.0.1", 8080));

      // when
      discovery.configChanged(config());

      // then: dc1's instance at priority 0, dc2's at 1; dc3 is unknown to this Consul
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> latest.get().endpoints().endpoints(WEB).size() == 2);
      List<DiscoveredEndpoint> endpoints = latest.get().endpoints().endpoints(WEB);
      assertThat(endpoints)
          .extracting(
              e -> e.address() + " p" + e.priority() + " " + e.source().replaceAll("@\\d+$", ""))
          .containsExactlyInAnyOrder("10.1.0.1 p0 consul/dc1", "10.2.0.1 p1 consul/dc2");
      // each with the index of its own datacenter's answer
      assertThat(latest.get().sources().get(WEB))
          .extracting(s -> s.source() + " " + s.endpoints())
          .containsExactly("consul/dc1/web 1", "consul/dc2/web 1", "consul/dc3/web 0");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> latest.get().states().get(WEB).staleSince() != null);
      assertThat(latest.get().states().get(WEB).source()).isEqualTo("consul/dc3/web");
      assertThat(latest.get().states().get(WEB).problem()).contains("No path to datacenter");
    }
  }
}
