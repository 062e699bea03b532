package io.meshgate.discovery.consul;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgate.config.model.ConsulSource;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointHealth;
import io.meshgate.discovery.EndpointMetadata;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Consul's health answer to endpoints, from answers shaped as Consul's API documents them. */
class ConsulClientTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final ConsulSource WEB =
      new ConsulSource("web", "dc1", List.of(), null, null, List.of(), null, null);

  private static List<DiscoveredEndpoint> endpoints(String json) throws Exception {
    return ConsulClient.endpoints(JSON.readTree(json), WEB);
  }

  /** As a Backend with {@code onlyPassing: true} reads the answer. */
  private static List<DiscoveredEndpoint> onlyPassing(String json) throws Exception {
    return ConsulClient.endpoints(
        JSON.readTree(json),
        new ConsulSource("web", "dc1", List.of(), null, null, List.of(), true, null));
  }

  private static String entry(String serviceAddress, String checks, String extra) {
    return """
        {"Node": {"Node": "n1", "Address": "10.0.0.1", "Datacenter": "dc1", "Meta": {"zone": "z1"}},
         "Service": {"ID": "web-1", "Service": "web", "Address": "%s", "Port": 8080,
                     "Weights": {"Passing": 3, "Warning": 1}%s},
         "Checks": [%s]}
        """
        .formatted(serviceAddress, extra, checks);
  }

  private static String check(String id, String status) {
    return """
        {"CheckID": "%s", "Status": "%s"}"""
        .formatted(id, status);
  }

  @Test
  void aPassingInstanceIsHealthyWithItsServiceAddressPassingWeightAndNodeLocality()
      throws Exception {
    List<DiscoveredEndpoint> found =
        endpoints("[" + entry("10.1.1.1", check("serfHealth", "passing"), "") + "]");

    assertThat(found)
        .containsExactly(
            new DiscoveredEndpoint(
                "10.1.1.1",
                8080,
                3,
                "z1",
                "dc1",
                "consul/dc1",
                EndpointHealth.HEALTHY,
                0,
                Map.of("node.zone", "z1")));
  }

  @Test
  void serviceMetaTagsAndNodeMetaBecomeTheEndpointsMetadata() throws Exception {
    // given: Consul's documented sample answer of GET /v1/health/service/redis
    String documented =
        """
        [{"Node": {"ID": "40e4a748-2192-161a-0510-9bf59fe950b5", "Node": "foobar",
                   "Address": "10.1.10.12", "Datacenter": "dc1",
                   "TaggedAddresses": {"lan": "10.1.10.12", "wan": "10.1.10.12"},
                   "Meta": {"instance_type": "t2.medium"}},
          "Service": {"ID": "redis", "Service": "redis", "Tags": ["primary"],
                      "Address": "10.1.10.12", "Meta": {"redis_version": "4.0"}, "Port": 8000,
                      "Weights": {"Passing": 10, "Warning": 1}, "Namespace": "default"},
          "Checks": [{"Node": "foobar", "CheckID": "service:redis", "Name": "Service 'redis' check",
                      "Status": "passing", "ServiceID": "redis", "ServiceName": "redis"},
                     {"Node": "foobar", "CheckID": "serfHealth", "Name": "Serf Health Status",
                      "Status": "passing"}]}]
        """;

    // when
    List<DiscoveredEndpoint> found = endpoints(documented);

    // then: service meta as it is, tags as tag.<tag>, node meta as node.<key>, sorted by key
    assertThat(found)
        .singleElement()
        .extracting(DiscoveredEndpoint::metadata)
        .isEqualTo(
            Map.of(
                "node.instance_type", "t2.medium",
                "redis_version", "4.0",
                "tag.primary", "true"));
    assertThat(found.get(0).metadata().keySet())
        .containsExactly("node.instance_type", "redis_version", "tag.primary");
  }

  @Test
  void metadataOverItsBoundsIsDroppedServiceMetaFirstKeptAndTheEndpointKept() throws Exception {
    // given: 70 service meta entries, a key and a value over their limits, a tag and node meta
    StringBuilder meta = new StringBuilder();
    for (int i = 0; i < 70; i++) {
      meta.append("\"k%02d\": \"v\", ".formatted(i));
    }
    meta.append("\"" + "x".repeat(129) + "\": \"v\", ");
    meta.append("\"long\": \"" + "y".repeat(513) + "\"");
    String answer =
        "["
            + entry(
                "10.1.1.1",
                check("serfHealth", "passing"),
                ", \"Tags\": [\"canary\"], \"Meta\": {" + meta + "}")
            + "]";

    // when
    List<DiscoveredEndpoint> found = endpoints(answer);

    // then: the endpoint is there, with the first 64 service meta entries and nothing over bounds
    assertThat(found)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.metadata()).hasSize(EndpointMetadata.MAX_ENTRIES);
              assertThat(e.metadata()).containsKeys("k00", "k63").doesNotContainKeys("k64", "long");
              assertThat(e.metadata().keySet())
                  .allMatch(k -> k.length() <= EndpointMetadata.MAX_KEY);
              assertThat(e.metadata()).doesNotContainKeys("tag.canary", "node.zone");
            });
  }

  @Test
  void withoutAServiceAddressTheNodesIsUsed() throws Exception {
    assertThat(endpoints("[" + entry("", check("serfHealth", "passing"), "") + "]"))
        .extracting(DiscoveredEndpoint::address)
        .containsExactly("10.0.0.1");
  }

  @Test
  void aWarningIsHealthyWithTheWarningWeight() throws Exception {
    assertThat(
            endpoints(
                "["
                    + entry(
                        "10.1.1.1",
                        check("serfHealth", "passing") + "," + check("http", "warning"),
                        "")
                    + "]"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.health()).isEqualTo(EndpointHealth.HEALTHY);
              assertThat(e.weight()).isEqualTo(1);
            });
  }

  @Test
  void withOnlyPassingAWarningIsUnhealthyWithThePassingWeight() throws Exception {
    // given: an instance with a warning check
    String warning =
        "["
            + entry("10.1.1.1", check("serfHealth", "passing") + "," + check("http", "warning"), "")
            + "]";

    // then: the Backend that asks for passing instances only sees it unhealthy
    assertThat(onlyPassing(warning))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.health()).isEqualTo(EndpointHealth.UNHEALTHY);
              assertThat(e.weight()).isEqualTo(3);
            });
    // and an all-passing instance stays healthy for it
    assertThat(onlyPassing("[" + entry("10.1.1.1", check("serfHealth", "passing"), "") + "]"))
        .extracting(DiscoveredEndpoint::health)
        .containsExactly(EndpointHealth.HEALTHY);
    // and maintenance is still draining, not unhealthy
    assertThat(
            onlyPassing(
                "["
                    + entry(
                        "10.1.1.1",
                        check("http", "warning") + "," + check("_node_maintenance", "critical"),
                        "")
                    + "]"))
        .extracting(DiscoveredEndpoint::health)
        .containsExactly(EndpointHealth.DRAINING);
  }

  @Test
  void onlyPassingIsPartOfTheWatchedSourceSoBackendsThatDifferInItDoNotShareAWatch() {
    ConsulSource plain =
        new ConsulSource("web", null, List.of(), null, null, List.of("dc2"), null, null);
    ConsulSource explicitFalse =
        new ConsulSource("web", null, List.of(), null, null, List.of("dc2"), false, null);
    ConsulSource strict =
        new ConsulSource("web", null, List.of(), null, null, List.of("dc2"), true, null);

    assertThat(strict.in("dc2").passingOnly()).isTrue();
    assertThat(strict.in("dc2")).isNotEqualTo(plain.in("dc2"));
    assertThat(explicitFalse.in("dc2")).isEqualTo(plain.in("dc2"));
  }

  @Test
  void aCriticalCheckIsUnhealthyAndMaintenanceIsDraining() throws Exception {
    assertThat(endpoints("[" + entry("10.1.1.1", check("http", "critical"), "") + "]"))
        .extracting(DiscoveredEndpoint::health)
        .containsExactly(EndpointHealth.UNHEALTHY);
    assertThat(
            endpoints(
                "["
                    + entry(
                        "10.1.1.1",
                        check("http", "critical") + "," + check("_node_maintenance", "critical"),
                        "")
                    + "]"))
        .extracting(DiscoveredEndpoint::health)
        .containsExactly(EndpointHealth.DRAINING);
    assertThat(
            endpoints(
                "[" + entry("10.1.1.1", check("_service_maintenance:web-1", "critical"), "") + "]"))
        .extracting(DiscoveredEndpoint::health)
        .containsExactly(EndpointHealth.DRAINING);
  }

  @Test
  void theServicesLocalityWinsOverTheNodesZoneMeta() throws Exception {
    assertThat(
            endpoints(
                "["
                    + entry(
                        "10.1.1.1",
                        check("serfHealth", "passing"),
                        ", \"Locality\": {\"Region\": \"eu\", \"Zone\": \"eu-a\"}")
                    + "]"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.region()).isEqualTo("eu");
              assertThat(e.zone()).isEqualTo("eu-a");
            });
  }

  @Test
  void anInstanceWithoutAPortOrAddressIsLeftOut() throws Exception {
    String noPort =
        """
        [{"Node": {"Address": ""}, "Service": {"Address": "", "Port": 0}, "Checks": []}]
        """;

    assertThat(endpoints(noPort)).isEmpty();
  }
}
