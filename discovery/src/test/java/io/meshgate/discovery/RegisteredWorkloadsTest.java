package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.store.Registration;
import org.junit.jupiter.api.Test;

/** Workloads agents registered, picked by a Backend's selector beside published ones. */
class RegisteredWorkloadsTest {
  private static final ResourceKey WEB = new ResourceKey(Kind.BACKEND, "shop", "web");

  private static final ConfigSnapshot CONFIG =
      TestConfigs.snapshot(
          """
          apiVersion: meshgate.io/v1alpha1
          kind: Backend
          metadata: {name: web, namespace: shop}
          spec: {workloads: {selector: {matchLabels: {app: web}}, port: http}}
          ---
          apiVersion: meshgate.io/v1alpha1
          kind: Workload
          metadata: {name: vm-1, namespace: shop, labels: {app: web}}
          spec: {address: 10.0.0.1, ports: [{name: http, port: 8080}]}
          """);

  @Test
  void aRegisteredWorkloadIsAnEndpointWithTheHealthItsAgentReports() {
    Registration passing =
        TestConfigs.registered(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Workload
            metadata: {name: vm-2, namespace: shop, labels: {app: web}}
            spec: {address: 10.0.0.2, ports: [{name: admin, port: 9000}, {name: http, port: 8080}]}
            """,
            HealthStatus.PASSING);
    Registration critical =
        TestConfigs.registered(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Workload
            metadata: {name: vm-3, namespace: shop, labels: {app: web}}
            spec: {address: 10.0.0.3, ports: [{name: http, port: 8080}]}
            """,
            HealthStatus.CRITICAL);
    Registration warning =
        TestConfigs.registered(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Workload
            metadata: {name: vm-4, namespace: shop, labels: {app: web}}
            spec: {address: 10.0.0.4, ports: [{name: http, port: 8080}]}
            """,
            HealthStatus.WARNING);

    assertThat(
            StaticEndpointSource.from(CONFIG, TestConfigs.registrations(passing, critical, warning))
                .endpoints(WEB))
        .extracting(e -> e.address() + ":" + e.port() + " " + e.source() + " " + e.health())
        .containsExactlyInAnyOrder(
            "10.0.0.1:8080 workload/vm-1 HEALTHY",
            "10.0.0.2:8080 registered/vm-2 HEALTHY",
            "10.0.0.3:8080 registered/vm-3 UNHEALTHY",
            "10.0.0.4:8080 registered/vm-4 HEALTHY");
  }

  @Test
  void aRegistrationReplacesThePublishedWorkloadOfTheSameName() {
    Registration moved =
        TestConfigs.registered(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Workload
            metadata: {name: vm-1, namespace: shop, labels: {app: web}}
            spec: {address: 10.0.0.9, ports: [{name: http, port: 8080}]}
            """,
            HealthStatus.PASSING);

    assertThat(StaticEndpointSource.from(CONFIG, TestConfigs.registrations(moved)).endpoints(WEB))
        .extracting(e -> e.address() + " " + e.source())
        .containsExactly("10.0.0.9 registered/vm-1");
  }

  @Test
  void registrationsOfOtherNamespacesOrLabelsAreNotPicked() {
    Registration elsewhere =
        TestConfigs.registered(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Workload
            metadata: {name: vm-5, namespace: other, labels: {app: web}}
            spec: {address: 10.0.0.5, ports: [{name: http, port: 8080}]}
            """,
            HealthStatus.PASSING);
    Registration otherApp =
        TestConfigs.registered(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Workload
            metadata: {name: vm-6, namespace: shop, labels: {app: db}}
            spec: {address: 10.0.0.6, ports: [{name: http, port: 8080}]}
            """,
            HealthStatus.PASSING);

    assertThat(
            StaticEndpointSource.from(CONFIG, TestConfigs.registrations(elsewhere, otherApp))
                .endpoints(WEB))
        .extracting(DiscoveredEndpoint::address)
        .containsExactly("10.0.0.1");
  }

  @Test
  void aSidecarsRegistrationIsAnEndpointOfItsServiceAndOfNoSelector() {
    ConfigSnapshot config =
        TestConfigs.snapshot(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: web, namespace: shop}
            spec: {workloads: {selector: {matchLabels: {}}}}
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: api, namespace: shop}
            spec: {static: {endpoints: [{address: 10.0.0.1, port: 80}]}}
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: Sidecar
            metadata: {name: api, namespace: shop}
            spec: {service: api, inbound: {port: 15006, localPort: 8080}}
            """);
    Registration sidecar =
        TestConfigs.registered(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Workload
            metadata: {name: api-1a2b3c4d5e, namespace: shop, labels: {meshgate.io/sidecar: api}}
            spec: {address: 10.0.0.8, ports: [{name: inbound, port: 15006}]}
            """,
            HealthStatus.PASSING);

    EndpointSnapshot endpoints =
        StaticEndpointSource.from(config, TestConfigs.registrations(sidecar));

    assertThat(endpoints.endpoints(new ResourceKey(Kind.BACKEND, "shop", "api")))
        .extracting(e -> e.address() + ":" + e.port() + " " + e.source())
        .containsExactly("10.0.0.1:80 static", "10.0.0.8:15006 sidecar/api");
    assertThat(endpoints.endpoints(WEB)).isEmpty();
  }
}
