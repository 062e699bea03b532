package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.consul.ConsulClient;
import io.meshgate.testkit.ConsulApiDouble;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Consul Backends through {@link EndpointDiscovery} and {@link ConsulClient} against a Consul
 * agent: testkit's {@link ConsulApiDouble}, which follows Consul's documented HTTP API, or a real
 * agent when {@code CONSUL_HTTP_ADDR} is set ({@link ConsulAgentControl}). Tests that need what
 * only the double can do (stop and start the agent, move its index back, count its requests) are
 * skipped against a real agent, with the reason.
 */
class ConsulDiscoveryTest {
  private static final ResourceKey WEB = new ResourceKey(Kind.BACKEND, "default", "web");
  private static final Duration SOON = Duration.ofSeconds(10);

  private final AtomicReference<EndpointDiscovery.Discovered> latest =
      new AtomicReference<>(EndpointDiscovery.Discovered.empty());

  /** The Consul service of this test: its own name, so that a real agent's other services miss. */
  private final String service = "web-" + UUID.randomUUID().toString().substring(0, 8);

  private ConsulAgentControl consul;
  private EndpointDiscovery discovery;

  @BeforeEach
  void start() {
    consul = ConsulAgentControl.fromEnvironmentOrDouble();
    discovery =
        new EndpointDiscovery(ConsulClient.of(consul.settings()), latest::set, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    discovery.close();
    consul.close();
  }

  /** The Backend {@code web} with {@code spec.consul}: this test's service, plus {@code more}. */
  private ConfigSnapshot config(String more) {
    String yaml =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web, namespace: default}
        spec: {consul: {service: %s%s}}
        """
            .formatted(service, more);
    return TestConfigs.snapshot(yaml);
  }

  private ConfigSnapshot config() {
    return config("");
  }

  private List<DiscoveredEndpoint> web() {
    return latest.get().endpoints().endpoints(WEB);
  }

  /** The ID of this test's instance number {@code n}. */
  private String id(int n) {
    return service + "-" + n;
  }

  private void register(int n, String address, String... tags) {
    consul.register(id(n), service, address, 8080, tags);
  }

  @Test
  void aRegistrationAppearsAndADeregistrationLeaves() {
    discovery.configChanged(config());
    await().atMost(SOON).until(() -> !latest.get().states().get(WEB).pending());
    assertThat(web()).isEmpty();

    register(1, "10.0.0.1");
    await().atMost(SOON).until(() -> web().size() == 1);
    assertThat(web().get(0).address()).isEqualTo("10.0.0.1");
    assertThat(web().get(0).health()).isEqualTo(EndpointHealth.HEALTHY);

    consul.deregister(id(1));
    await().atMost(SOON).until(() -> web().isEmpty());
  }

  @Test
  void eachEndpointsProvenanceNamesTheIndexOfTheAnswerThatCarriedItAndTheSourceIsSummarised() {
    // given
    register(1, "10.0.0.1");
    discovery.configChanged(config());
    await().atMost(SOON).until(() -> web().size() == 1);
    long first = latest.get().states().get(WEB).index();

    // when: a second instance moves the index on
    consul.fail(id(1));
    register(2, "10.0.0.2");
    await().atMost(SOON).until(() -> web().size() == 2);

    // then: both endpoints name the index of the latest answer, which is the source's index
    long index = latest.get().states().get(WEB).index();
    assertThat(index).isGreaterThan(first);
    assertThat(web())
        .extracting(DiscoveredEndpoint::source)
        .allMatch(source -> source.matches("consul/[^@+]+@" + index), "consul/<dc>@" + index);
    assertThat(latest.get().sources().get(WEB))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.source()).isEqualTo("consul/local/" + service);
              assertThat(s.endpoints()).isEqualTo(2);
              assertThat(s.healthy()).isEqualTo(1);
              assertThat(s.index()).isEqualTo(index);
              assertThat(s.changedAt()).isNotNull();
              assertThat(s.staleSince()).isNull();
            });
  }

  @Test
  void healthFollowsTheChecksAndMaintenance() {
    register(1, "10.0.0.1");
    discovery.configChanged(config());
    await().atMost(SOON).until(() -> web().size() == 1);

    consul.fail(id(1));
    await().atMost(SOON).until(() -> web().get(0).health() == EndpointHealth.UNHEALTHY);

    consul.pass(id(1));
    await().atMost(SOON).until(() -> web().get(0).health() == EndpointHealth.HEALTHY);

    consul.maintenance(id(1));
    await().atMost(SOON).until(() -> web().get(0).health() == EndpointHealth.DRAINING);

    consul.endMaintenance(id(1));
    await().atMost(SOON).until(() -> web().get(0).health() == EndpointHealth.HEALTHY);
  }

  @Test
  void aWarningIsHealthyUnlessTheBackendAsksForPassingInstancesOnly() {
    // given: two Backends naming the same service, one of them with onlyPassing
    ResourceKey strict = new ResourceKey(Kind.BACKEND, "default", "web-strict");
    String yaml =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web, namespace: default}
        spec: {consul: {service: %1$s}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web-strict, namespace: default}
        spec: {consul: {service: %1$s, onlyPassing: true}}
        """
            .formatted(service);
    register(1, "10.0.0.1");
    discovery.configChanged(TestConfigs.snapshot(yaml));
    await()
        .atMost(SOON)
        .until(() -> web().size() == 1 && latest.get().endpoints().endpoints(strict).size() == 1);

    // when: the instance's check turns to warning
    consul.warn(id(1));

    // then: the plain Backend keeps it healthy, the strict one sees it unhealthy
    await()
        .atMost(SOON)
        .until(
            () ->
                latest.get().endpoints().endpoints(strict).get(0).health()
                    == EndpointHealth.UNHEALTHY);
    assertThat(web())
        .extracting(DiscoveredEndpoint::health)
        .containsExactly(EndpointHealth.HEALTHY);

    // when: it passes again, both see it healthy
    consul.pass(id(1));
    await()
        .atMost(SOON)
        .until(
            () ->
                latest.get().endpoints().endpoints(strict).get(0).health()
                    == EndpointHealth.HEALTHY);
    assertThat(web())
        .extracting(DiscoveredEndpoint::health)
        .containsExactly(EndpointHealth.HEALTHY);
  }

  @Test
  void aConnectBackendTakesTheServicesSidecarProxiesNotItsInstances() {
    // given: web's own instance, and its Connect sidecar proxy on another port
    register(1, "10.0.0.1");
    consul.registerProxy(
        id(1) + "-sidecar-proxy", service + "-sidecar-proxy", service, "10.0.0.1", 21000);

    // when
    discovery.configChanged(config(", connect: true"));

    // then: the proxy's address and port, which is where Connect traffic goes
    await().atMost(SOON).until(() -> web().size() == 1);
    assertThat(web().get(0).address()).isEqualTo("10.0.0.1");
    assertThat(web().get(0).port()).isEqualTo(21000);
    assertThat(latest.get().states().get(WEB).source()).startsWith("consul-connect/");

    // when: the same Backend without connect
    discovery.configChanged(config());

    // then: the service's own instance
    await().atMost(SOON).until(() -> web().size() == 1 && web().get(0).port() == 8080);
  }

  @Test
  void tagsFilterTheInstances() {
    register(1, "10.0.0.1", "v1", "canary");
    register(2, "10.0.0.2", "v1");
    discovery.configChanged(config(", tags: [v1, canary]"));

    await().atMost(SOON).until(() -> !web().isEmpty());
    assertThat(web()).extracting(DiscoveredEndpoint::address).containsExactly("10.0.0.1");
  }

  @Test
  void anAgentThatGoesAwayLeavesTheEndpointsStaleAndItsReturnClearsTheMark() {
    assumeTrue(consul.isDouble(), "needs the double: stops and restarts the agent");
    List<String> syncs = new CopyOnWriteArrayList<>();
    discovery.onSync((kind, outcome) -> syncs.add(kind + " " + outcome));
    register(1, "10.0.0.1");
    discovery.configChanged(config());
    await().atMost(SOON).until(() -> web().size() == 1);
    assertThat(syncs).first().isEqualTo("consul CHANGED");

    // when Consul stops answering
    consul.theDouble().stop();

    // then: the endpoint stays, marked stale with the reason, and the answers count as failed
    await().atMost(SOON).until(() -> latest.get().states().get(WEB).staleSince() != null);
    assertThat(web()).hasSize(1);
    assertThat(latest.get().states().get(WEB).problem()).isNotBlank();
    assertThat(syncs).contains("consul FAILED");

    // when it is back, with a change made meanwhile
    consul.theDouble().start();
    register(2, "10.0.0.2");

    // then
    await().atMost(Duration.ofSeconds(40)).until(() -> web().size() == 2);
    assertThat(latest.get().states().get(WEB).staleSince()).isNull();
    assertThat(syncs).last().isEqualTo("consul CHANGED");
  }

  @Test
  void anAgentBackWithNothingNewClearsTheStaleMark() {
    assumeTrue(consul.isDouble(), "needs the double: stops and restarts the agent");
    register(1, "10.0.0.1");
    discovery.configChanged(config());
    await().atMost(SOON).until(() -> web().size() == 1);
    consul.theDouble().stop();
    await().atMost(SOON).until(() -> latest.get().states().get(WEB).staleSince() != null);

    // when it is back with the same index: nothing changed meanwhile
    consul.theDouble().start();

    // then the mark clears all the same
    await()
        .atMost(Duration.ofSeconds(40))
        .until(() -> latest.get().states().get(WEB).staleSince() == null);
    assertThat(web()).hasSize(1);
  }

  @Test
  void anIndexThatGoesBackwardsIsReadAgainInFull() {
    assumeTrue(consul.isDouble(), "needs the double: moves the agent's raft index back");
    register(1, "10.0.0.1");
    discovery.configChanged(config());
    await().atMost(SOON).until(() -> web().size() == 1);
    long before = latest.get().states().get(WEB).index();

    // when the index goes back (a snapshot restore)
    consul.theDouble().resetIndex(1);

    // then the watch follows the lower index...
    await().atMost(SOON).until(() -> latest.get().states().get(WEB).index() < before);

    // ...and sees the next change from there
    register(2, "10.0.0.2");
    await().atMost(SOON).until(() -> web().size() == 2);
  }

  @Test
  void aBackendNoLongerNamedIsNoLongerWatched() {
    assumeTrue(consul.isDouble(), "needs the double: counts the requests the agent receives");
    discovery.configChanged(config());
    await().atMost(SOON).until(() -> !latest.get().states().get(WEB).pending());

    discovery.configChanged(new ConfigSnapshot(2, new TreeMap<>()));

    assertThat(latest.get().states()).isEmpty();
    long requests = consul.theDouble().requestCount();
    await().pollDelay(Duration.ofMillis(300)).until(() -> true);
    assertThat(consul.theDouble().requestCount() - requests)
        .as("requests after the watch ended")
        .isLessThanOrEqualTo(1);
  }

  @Test
  void anAnswerChangesEveryBackendThatNamesItsServiceAndNoOther() {
    // given: web and web-too name this test's service, other names another one
    String otherService = service + "-other";
    register(1, "10.0.0.1");
    consul.register(otherService + "-1", otherService, "10.0.1.1", 8080);
    String yaml =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web, namespace: default}
        spec: {consul: {service: %1$s}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web-too, namespace: default}
        spec: {consul: {service: %1$s}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: other, namespace: default}
        spec: {consul: {service: %2$s}}
        """
            .formatted(service, otherService);
    ResourceKey webToo = new ResourceKey(Kind.BACKEND, "default", "web-too");
    ResourceKey other = new ResourceKey(Kind.BACKEND, "default", "other");
    discovery.configChanged(TestConfigs.snapshot(yaml));
    await()
        .atMost(SOON)
        .until(
            () ->
                web().size() == 1
                    && latest.get().endpoints().endpoints(webToo).size() == 1
                    && latest.get().endpoints().endpoints(other).size() == 1);
    List<DiscoveredEndpoint> otherBefore = latest.get().endpoints().endpoints(other);
    var otherStateBefore = latest.get().states().get(other);

    // when: the shared service gets a second instance
    register(2, "10.0.0.2");

    // then: both Backends that name it have it; the other Backend is as it was
    await()
        .atMost(SOON)
        .until(() -> web().size() == 2 && latest.get().endpoints().endpoints(webToo).size() == 2);
    assertThat(latest.get().endpoints().endpoints(webToo)).isEqualTo(web());
    assertThat(latest.get().states().get(webToo)).isEqualTo(latest.get().states().get(WEB));
    assertThat(latest.get().endpoints().endpoints(other)).isEqualTo(otherBefore);
    assertThat(latest.get().states().get(other)).isEqualTo(otherStateBefore);
  }
}
