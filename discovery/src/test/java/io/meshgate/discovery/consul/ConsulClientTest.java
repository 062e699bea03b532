package io.meshgate.discovery.consul;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointHealth;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Consul's health answer to endpoints, from answers shaped as Consul's API documents them. */
class ConsulClientTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<DiscoveredEndpoint> endpoints(String json) throws Exception {
    return ConsulClient.endpoints(JSON.readTree(json), "dc1");
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
                "10.1.1.1", 8080, 3, "z1", "dc1", "consul/dc1", EndpointHealth.HEALTHY));
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
