package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A source kept from config to config, as a pipeline keeps it: equal to a fresh one, sharing what
 * did not change.
 */
class StaticEndpointSourceTest {
  private static final ResourceKey WEB = new ResourceKey(Kind.BACKEND, "shop", "web");
  private static final ResourceKey API = new ResourceKey(Kind.BACKEND, "shop", "api");
  private static final ResourceKey VMS = new ResourceKey(Kind.BACKEND, "shop", "vms");

  private static final ConfigSnapshot CONFIG =
      TestConfigs.snapshot(
          """
          apiVersion: meshgate.io/v1alpha1
          kind: Backend
          metadata: {name: web, namespace: shop}
          spec:
            static:
              endpoints: [{address: 10.0.0.2, port: 8080}, {address: 10.0.0.1, port: 8080}]
          ---
          apiVersion: meshgate.io/v1alpha1
          kind: Backend
          metadata: {name: api, namespace: shop}
          spec: {static: {endpoints: [{address: 10.0.1.1, port: 9090}]}}
          ---
          apiVersion: meshgate.io/v1alpha1
          kind: Backend
          metadata: {name: vms, namespace: shop}
          spec:
            static: {endpoints: [{address: 10.0.2.9, port: 8080}]}
            workloads: {selector: {matchLabels: {app: vms}}, port: http}
          ---
          apiVersion: meshgate.io/v1alpha1
          kind: Workload
          metadata: {name: vm-1, namespace: shop, labels: {app: vms}}
          spec: {address: 10.0.2.1, ports: [{name: http, port: 8080}]}
          """);

  /** {@code config} with the resource of {@code yaml} in place of the one of its key. */
  private static ConfigSnapshot replacing(ConfigSnapshot config, String yaml) {
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>(config.resources());
    Resource changed = TestConfigs.snapshot(yaml).resources().values().iterator().next();
    resources.put(changed.key(), changed);
    return new ConfigSnapshot(config.revision() + 1, resources);
  }

  @Test
  void aKeptSourceGivesWhatAFreshOneGivesAndKeepsTheListsOfBackendsThatDidNotChange() {
    StaticEndpointSource kept = new StaticEndpointSource();
    EndpointSnapshot first = kept.endpoints(CONFIG, Registrations.empty());
    assertThat(first).isEqualTo(StaticEndpointSource.from(CONFIG));
    assertThat(first.endpoints(WEB))
        .extracting(DiscoveredEndpoint::address)
        .containsExactly("10.0.0.1", "10.0.0.2");

    ConfigSnapshot apiMoved =
        replacing(
            CONFIG,
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: api, namespace: shop}
            spec: {static: {endpoints: [{address: 10.0.1.2, port: 9090}]}}
            """);
    EndpointSnapshot second = kept.endpoints(apiMoved, Registrations.empty());

    assertThat(second).isEqualTo(StaticEndpointSource.from(apiMoved));
    assertThat(second.endpoints(API))
        .extracting(DiscoveredEndpoint::address)
        .containsExactly("10.0.1.2");
    // The unchanged Backend's list is the last one's instance; one with Workloads is listed anew
    // (its Workloads may have changed), equal.
    assertThat(second.endpoints(WEB)).isSameAs(first.endpoints(WEB));
    assertThat(second.endpoints(VMS))
        .isEqualTo(first.endpoints(VMS))
        .extracting(DiscoveredEndpoint::address)
        .containsExactly("10.0.2.1", "10.0.2.9");
  }

  @Test
  void aRegistrationIsPickedThoughTheConfigKeptItsInstances() {
    StaticEndpointSource kept = new StaticEndpointSource();
    EndpointSnapshot first = kept.endpoints(CONFIG, Registrations.empty());
    Registrations registered =
        TestConfigs.registrations(
            TestConfigs.registered(
                """
                apiVersion: meshgate.io/v1alpha1
                kind: Workload
                metadata: {name: vm-2, namespace: shop, labels: {app: vms}}
                spec: {address: 10.0.2.2, ports: [{name: http, port: 8080}]}
                """,
                HealthStatus.PASSING));

    EndpointSnapshot second = kept.endpoints(CONFIG, registered);

    assertThat(second).isEqualTo(StaticEndpointSource.from(CONFIG, registered));
    assertThat(second.endpoints(VMS))
        .extracting(DiscoveredEndpoint::address)
        .containsExactly("10.0.2.1", "10.0.2.2", "10.0.2.9");
    assertThat(second.endpoints(WEB)).isSameAs(first.endpoints(WEB));
    assertThat(kept.endpoints(CONFIG, registered)).isSameAs(second);
  }

  @Test
  void aConfigThatChangedNoBackendsListGetsTheLastSnapshotItself() {
    Resource web = CONFIG.get(WEB).orElseThrow();
    ConfigSnapshot onlyStatic = new ConfigSnapshot(1, new TreeMap<>(Map.of(WEB, web)));
    StaticEndpointSource kept = new StaticEndpointSource();
    EndpointSnapshot first = kept.endpoints(onlyStatic, Registrations.empty());
    ConfigSnapshot later = new ConfigSnapshot(2, new TreeMap<>(Map.of(WEB, web)));

    assertThat(kept.endpoints(later, Registrations.empty())).isSameAs(first);

    ConfigSnapshot without = new ConfigSnapshot(3, new TreeMap<>());
    assertThat(kept.endpoints(without, Registrations.empty()).byBackend()).isEmpty();
    assertThat(kept.endpoints(onlyStatic, Registrations.empty())).isEqualTo(first);
  }

  @Test
  void joiningDiscoveredEndpointsKeepsTheListsOfBackendsOnlyOneSideKnows() {
    EndpointSnapshot listed = StaticEndpointSource.from(CONFIG);
    EndpointSnapshot consul =
        new EndpointSnapshot(
            Map.of(
                API,
                List.of(new DiscoveredEndpoint("10.0.1.1", 9090, 1, "", "", "consul")),
                new ResourceKey(Kind.BACKEND, "shop", "db"),
                List.of(new DiscoveredEndpoint("10.0.3.1", 5432, 1, "", "", "consul"))));

    EndpointSnapshot both = listed.with(consul);

    assertThat(both.endpoints(WEB)).isSameAs(listed.endpoints(WEB));
    assertThat(both.endpoints(new ResourceKey(Kind.BACKEND, "shop", "db")))
        .isSameAs(consul.endpoints(new ResourceKey(Kind.BACKEND, "shop", "db")));
    assertThat(both.endpoints(API))
        .singleElement()
        .extracting(DiscoveredEndpoint::source)
        .isEqualTo("consul+static");
    // Sharing with a snapshot it already shares everything with makes nothing new.
    assertThat(both.sharing(listed)).isSameAs(both);
  }
}
