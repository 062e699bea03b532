package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.discovery.consul.ConsulClient;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.testkit.ConsulApiDouble.CheckStatus;
import io.meshgate.testkit.ConsulApiDouble.Instance;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Consul Backends through {@link EndpointDiscovery} and {@link ConsulClient} against testkit's
 * {@link ConsulApiDouble}, which follows Consul's documented HTTP API.
 */
class ConsulDiscoveryTest {
  private static final ResourceKey WEB = new ResourceKey(Kind.BACKEND, "default", "web");
  private static final Duration SOON = Duration.ofSeconds(10);

  private final AtomicReference<EndpointDiscovery.Discovered> latest =
      new AtomicReference<>(EndpointDiscovery.Discovered.empty());
  private ConsulApiDouble consul;
  private EndpointDiscovery discovery;

  @BeforeEach
  void start() {
    consul = ConsulApiDouble.create();
    discovery =
        new EndpointDiscovery(
            ConsulClient.of(ConsulSettings.at(URI.create(consul.address()))),
            latest::set,
            Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    discovery.close();
    consul.close();
  }

  private static ConfigSnapshot config(String consulSource) {
    String yaml =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web, namespace: default}
        spec: {consul: %s}
        """
            .formatted(consulSource);
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>();
    for (Document document : YamlDocuments.read("test.yaml", yaml)) {
      Validation validation = ResourceValidator.get().validate(document.tree());
      assertThat(validation).isInstanceOf(Validation.Valid.class);
      Resource resource = ((Validation.Valid) validation).resource();
      resources.put(
          resource.key(), resource.withMetadata(resource.metadata().withBookkeeping("u", 1, 1)));
    }
    return new ConfigSnapshot(1, resources);
  }

  private List<DiscoveredEndpoint> web() {
    return latest.get().endpoints().endpoints(WEB);
  }

  private static Instance instance(String id, String address) {
    return Instance.of("web", id, "node-" + id, address, 8080);
  }

  @Test
  void aRegistrationAppearsAndADeregistrationLeaves() {
    discovery.configChanged(config("{service: web}"));
    await().atMost(SOON).until(() -> !latest.get().states().get(WEB).pending());
    assertThat(web()).isEmpty();

    consul.register("dc1", instance("web-1", "10.0.0.1"));
    await().atMost(SOON).until(() -> web().size() == 1);
    assertThat(web().get(0).address()).isEqualTo("10.0.0.1");
    assertThat(web().get(0).health()).isEqualTo(EndpointHealth.HEALTHY);

    consul.deregister("dc1", "web-1");
    await().atMost(SOON).until(() -> web().isEmpty());
  }

  @Test
  void healthFollowsTheChecksAndMaintenance() {
    consul.register("dc1", instance("web-1", "10.0.0.1"));
    discovery.configChanged(config("{service: web}"));
    await().atMost(SOON).until(() -> web().size() == 1);

    consul.setCheckStatus("dc1", "web-1", CheckStatus.CRITICAL);
    await().atMost(SOON).until(() -> web().get(0).health() == EndpointHealth.UNHEALTHY);

    consul.setCheckStatus("dc1", "web-1", CheckStatus.PASSING);
    await().atMost(SOON).until(() -> web().get(0).health() == EndpointHealth.HEALTHY);

    consul.maintenance("dc1", "web-1");
    await().atMost(SOON).until(() -> web().get(0).health() == EndpointHealth.DRAINING);

    consul.endMaintenance("dc1", "web-1");
    await().atMost(SOON).until(() -> web().get(0).health() == EndpointHealth.HEALTHY);
  }

  @Test
  void tagsFilterTheInstances() {
    consul.register("dc1", instance("web-1", "10.0.0.1").withTags("v1", "canary"));
    consul.register("dc1", instance("web-2", "10.0.0.2").withTags("v1"));
    discovery.configChanged(config("{service: web, tags: [v1, canary]}"));

    await().atMost(SOON).until(() -> !web().isEmpty());
    assertThat(web()).extracting(DiscoveredEndpoint::address).containsExactly("10.0.0.1");
  }

  @Test
  void anAgentThatGoesAwayLeavesTheEndpointsStaleAndItsReturnClearsTheMark() {
    consul.register("dc1", instance("web-1", "10.0.0.1"));
    discovery.configChanged(config("{service: web}"));
    await().atMost(SOON).until(() -> web().size() == 1);

    // when Consul stops answering
    consul.stop();

    // then: the endpoint stays, marked stale with the reason
    await().atMost(SOON).until(() -> latest.get().states().get(WEB).staleSince() != null);
    assertThat(web()).hasSize(1);
    assertThat(latest.get().states().get(WEB).problem()).isNotBlank();

    // when it is back, with a change made meanwhile
    consul.start();
    consul.register("dc1", instance("web-2", "10.0.0.2"));

    // then
    await().atMost(Duration.ofSeconds(40)).until(() -> web().size() == 2);
    assertThat(latest.get().states().get(WEB).staleSince()).isNull();
  }

  @Test
  void anAgentBackWithNothingNewClearsTheStaleMark() {
    consul.register("dc1", instance("web-1", "10.0.0.1"));
    discovery.configChanged(config("{service: web}"));
    await().atMost(SOON).until(() -> web().size() == 1);
    consul.stop();
    await().atMost(SOON).until(() -> latest.get().states().get(WEB).staleSince() != null);

    // when it is back with the same index: nothing changed meanwhile
    consul.start();

    // then the mark clears all the same
    await()
        .atMost(Duration.ofSeconds(40))
        .until(() -> latest.get().states().get(WEB).staleSince() == null);
    assertThat(web()).hasSize(1);
  }

  @Test
  void anIndexThatGoesBackwardsIsReadAgainInFull() {
    consul.register("dc1", instance("web-1", "10.0.0.1"));
    discovery.configChanged(config("{service: web}"));
    await().atMost(SOON).until(() -> web().size() == 1);
    long before = latest.get().states().get(WEB).index();

    // when the index goes back (a snapshot restore)
    consul.resetIndex(1);

    // then the watch follows the lower index...
    await().atMost(SOON).until(() -> latest.get().states().get(WEB).index() < before);

    // ...and sees the next change from there
    consul.register("dc1", instance("web-2", "10.0.0.2"));
    await().atMost(SOON).until(() -> web().size() == 2);
  }

  @Test
  void aBackendNoLongerNamedIsNoLongerWatched() {
    discovery.configChanged(config("{service: web}"));
    await().atMost(SOON).until(() -> !latest.get().states().get(WEB).pending());

    discovery.configChanged(new ConfigSnapshot(2, new TreeMap<>()));

    assertThat(latest.get().states()).isEmpty();
    long requests = consul.requestCount();
    await().pollDelay(Duration.ofMillis(300)).until(() -> true);
    assertThat(consul.requestCount() - requests)
        .as("requests after the watch ended")
        .isLessThanOrEqualTo(1);
  }
}
