package io.meshgate.xds.register;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meshgate.config.model.ConsulSource;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointHealth;
import io.meshgate.discovery.consul.ConsulClient;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.meshbridge.consul.AgentServices;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.testkit.ConsulApiDouble.CheckStatus;
import io.meshgate.xds.serve.StreamEvents.Opened;
import io.meshgate.xds.translate.BridgeConfigs;
import io.meshgate.xds.translate.TestConfigs;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A gateway's stream registers it in Consul's catalog as a Connect-native instance of its bridge's
 * service, against the Consul API double (its agent service and check endpoints); the instance is
 * read back with meshgate's own Consul discovery, through {@code /v1/health/connect}. With {@code
 * CONSUL_HTTP_ADDR} set, the tests that need no lever of the double run against that agent (its
 * token needs {@code service:write} on {@code meshgate-it-*}); they deregister what they
 * registered.
 */
class ConsulGatewayRegistrationsTest {
  private static final Optional<ConsulSettings> REAL =
      ConsulSettings.fromEnvironment(System.getenv());
  private static final String TRUST_DOMAIN = "11111111-2222-3333-4444-555555555555.consul";
  private static final Duration TTL = Duration.ofSeconds(30);
  // A name of its own per run against a real agent, which keeps what earlier runs left.
  private static final String SERVICE =
      REAL.isPresent() ? "meshgate-it-" + Long.toHexString(System.nanoTime()) : "ingress";

  private final ConsulApiDouble consul = REAL.isPresent() ? null : ConsulApiDouble.create();
  private final ConsulSettings agent =
      REAL.orElseGet(() -> ConsulSettings.at(URI.create(consul.address())));
  private final AtomicReference<ConfigSnapshot> config =
      new AtomicReference<>(bridged(agent.address().toString()));
  private ConsulGatewayRegistrations registrations = registrations(Optional.of(agent));

  @AfterEach
  void close() throws Exception {
    registrations.close();
    if (consul != null) {
      consul.close();
    } else {
      AgentServices real = new AgentServices(agent);
      for (String node : List.of("edge-envoy-1", "edge-envoy-2")) {
        real.deregister(idOf(node));
      }
    }
  }

  private static String idOf(String nodeId) {
    return SERVICE + "-meshgate-" + SidecarRegistrations.shortHash(nodeId);
  }

  private ConsulGatewayRegistrations registrations(Optional<ConsulSettings> node) {
    return new ConsulGatewayRegistrations(node, config::get, AgentServices::new, "replica-a", TTL);
  }

  /** Gateway edge/edge (HTTP on 8080) that MeshBridge edge/consul-dc1 joins as {@link #SERVICE}. */
  private static ConfigSnapshot bridged(String agent) {
    return TestConfigs.snapshot(
        BridgeConfigs.consulGateway("edge", "web", TRUST_DOMAIN, agent, SERVICE));
  }

  private static Opened stream(long id, String nodeId, String address) throws Exception {
    return new Opened(
        id, "gateway/edge/edge", nodeId, false, Optional.of(InetAddress.getByName(address)));
  }

  private void reconcile() throws Exception {
    registrations.reconcile().get(10, TimeUnit.SECONDS);
  }

  private List<DiscoveredEndpoint> connectInstances(String service) throws Exception {
    ConsulSource source =
        new ConsulSource(service, null, List.of(), null, null, List.of(), null, Boolean.TRUE);
    return ConsulClient.of(agent).healthService(source, 0, Duration.ofSeconds(1)).value();
  }

  private long requests(String method, String pathStart) {
    return consul.requests().stream()
        .filter(r -> r.method().equals(method) && r.uri().startsWith(pathStart))
        .count();
  }

  @Test
  void aConnectedGatewayIsAConnectNativeInstanceOfItsBridgesService() throws Exception {
    // when a stream of the gateway opens
    registrations.opened(stream(1, "edge-envoy-1", "10.0.0.7"));
    reconcile();

    // then Consul lists it among the service's Connect-capable instances, passing
    List<DiscoveredEndpoint> instances = connectInstances(SERVICE);
    assertThat(instances).hasSize(1);
    DiscoveredEndpoint instance = instances.get(0);
    assertThat(instance.address()).isEqualTo("10.0.0.7");
    assertThat(instance.port()).isEqualTo(8080);
    assertThat(instance.health()).isEqualTo(EndpointHealth.HEALTHY);
    assertThat(instance.metadata())
        .containsEntry("meshgate-gateway", "edge/edge")
        .containsEntry("meshgate-bridge", "edge/consul-dc1")
        .containsEntry("meshgate-node-id", "edge-envoy-1")
        .containsEntry("tag.meshgate", "true");
    // and nothing under the Gateway's own name
    assertThat(connectInstances("edge")).isEmpty();
  }

  @Test
  void twoProxiesOfOneGatewayAreTwoInstances() throws Exception {
    registrations.opened(stream(1, "edge-envoy-1", "10.0.0.7"));
    registrations.opened(stream(2, "edge-envoy-2", "10.0.0.8"));
    reconcile();

    assertThat(connectInstances(SERVICE))
        .extracting(DiscoveredEndpoint::address)
        .containsExactlyInAnyOrder("10.0.0.7", "10.0.0.8");
  }

  @Test
  void eachRoundPassesTheCheckAgainAfterItWentCritical() throws Exception {
    assumeTrue(REAL.isEmpty(), "needs the double's levers and request log");
    // given a registered instance whose check went critical (its TTL ran out, say)
    registrations.opened(stream(1, "edge-envoy-1", "10.0.0.7"));
    reconcile();
    String id = idOf("edge-envoy-1");
    consul.setCheckStatus(consul.localDatacenter(), id, CheckStatus.CRITICAL);
    assertThat(connectInstances(SERVICE).get(0).health()).isEqualTo(EndpointHealth.UNHEALTHY);

    // when the next round runs
    reconcile();

    // then it passes again, without registering again
    assertThat(connectInstances(SERVICE).get(0).health()).isEqualTo(EndpointHealth.HEALTHY);
    assertThat(requests("PUT", "/v1/agent/service/register")).isEqualTo(1);
    assertThat(requests("PUT", "/v1/agent/check/pass/service%3A" + id)).isEqualTo(2);
  }

  @Test
  void anEndedStreamLeavesItsInstanceToRunOut() throws Exception {
    assumeTrue(REAL.isEmpty(), "needs the double's levers and request log");
    registrations.opened(stream(1, "edge-envoy-1", "10.0.0.7"));
    reconcile();
    long passed = requests("PUT", "/v1/agent/check/pass");
    assertThat(passed).isEqualTo(1);

    // when the stream ends and rounds go on
    registrations.closed(1);
    reconcile();
    reconcile();

    // then the instance stays for its TTL (a reconnect elsewhere keeps it), no longer passed
    assertThat(connectInstances(SERVICE)).hasSize(1);
    assertThat(requests("PUT", "/v1/agent/service/deregister")).isZero();
    assertThat(requests("PUT", "/v1/agent/check/pass")).isEqualTo(passed);
  }

  @Test
  void aBridgeThatNoLongerListsTheGatewayDeregistersItAtOnce() throws Exception {
    registrations.opened(stream(1, "edge-envoy-1", "10.0.0.7"));
    reconcile();

    // when the config no longer has the bridge, the stream still open
    config.set(
        TestConfigs.snapshot(
            BridgeConfigs.consulGateway(
                    "edge", "web", TRUST_DOMAIN, agent.address().toString(), SERVICE)
                .replace("gateways: [edge]", "gateways: [other]")));
    reconcile();

    assertThat(connectInstances(SERVICE)).isEmpty();
  }

  @Test
  void anInstanceTheAgentLostIsRegisteredAgain() throws Exception {
    assumeTrue(REAL.isEmpty(), "needs the double's levers and request log");
    registrations.opened(stream(1, "edge-envoy-1", "10.0.0.7"));
    reconcile();
    String id = idOf("edge-envoy-1");

    // when the agent forgets it (its data directory was wiped, say)
    consul.deregister(consul.localDatacenter(), id);
    assertThat(connectInstances(SERVICE)).isEmpty();
    reconcile();

    // then the pass answered 404 and the round registered it again
    assertThat(connectInstances(SERVICE)).hasSize(1);
    assertThat(requests("PUT", "/v1/agent/service/register")).isEqualTo(2);
  }

  @Test
  void anAgentThatWasDownGetsTheRegistrationWhenItIsBack() throws Exception {
    assumeTrue(REAL.isEmpty(), "needs the double's levers and request log");
    consul.stop();
    registrations.opened(stream(1, "edge-envoy-1", "10.0.0.7"));
    reconcile();

    consul.start();
    reconcile();

    assertThat(connectInstances(SERVICE)).hasSize(1);
  }

  @Test
  void theNodesTokenGoesOnlyToItsOwnAgent() throws Exception {
    // given an agent with ACLs, and a node whose settings name it with a token
    try (ConsulApiDouble secured = ConsulApiDouble.builder().aclTokens("node-token").start()) {
      URI own = URI.create(secured.address());
      URI other = URI.create(own.getScheme() + "://localhost:" + own.getPort());
      registrations.close();
      registrations =
          registrations(
              Optional.of(
                  new ConsulSettings(
                      own,
                      Optional.of("node-token"),
                      Optional.empty(),
                      Optional.empty(),
                      Optional.empty())));

      // when a bridge names the node's agent: registered with the token
      config.set(bridged(own.toString()));
      registrations.opened(stream(1, "edge-envoy-1", "10.0.0.7"));
      reconcile();
      assertThat(secured.requests())
          .filteredOn(r -> r.uri().startsWith("/v1/agent/service/register"))
          .extracting(ConsulApiDouble.ReceivedRequest::token)
          .containsExactly("node-token");

      // and when a bridge names the same agent by another host: no token, refused, not registered
      config.set(bridged(other.toString()));
      reconcile();
      assertThat(secured.requests())
          .filteredOn(r -> r.uri().startsWith("/v1/agent/service/register"))
          .extracting(ConsulApiDouble.ReceivedRequest::token)
          .containsExactly("node-token", null);
    }
  }
}
