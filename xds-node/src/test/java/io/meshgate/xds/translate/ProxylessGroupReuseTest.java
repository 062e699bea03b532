package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The proxyless group through the production entry: a warm builder keeps it whole while what it is
 * resolved from is unchanged, and resolves it again, as a fresh builder would, when that changes.
 */
class ProxylessGroupReuseTest {
  /** A gateway route to web, and a mesh route splitting what proxyless clients send to echo. */
  private static final String CONFIG =
      """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: edge}
      spec:
        listeners: [{name: http, port: 80, protocol: HTTP}]
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: web}
      spec: {static: {endpoints: [{address: 10.0.0.1, port: 8080}]}}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: echo}
      spec: {protocol: GRPC, static: {endpoints: [{address: 10.0.1.1, port: 50051}]}}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: echo-v2}
      spec: {protocol: GRPC, static: {endpoints: [{address: 10.0.1.2, port: 50051}]}}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: site}
      spec:
        parentRefs: [{name: edge}]
        rules:
          - matches: [{path: {type: PathPrefix, value: /site}}]
            backendRefs: [{name: web}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: GRPCRoute
      metadata: {name: echo-split}
      spec:
        parentRefs: [{group: meshgate.io, kind: Backend, name: echo}]
        rules:
          - backendRefs: [{name: echo, weight: 80}, {name: echo-v2, weight: 20}]
      """;

  private static final ResourceKey SITE = new ResourceKey(Kind.HTTP_ROUTE, "default", "site");
  private static final ResourceKey SPLIT =
      new ResourceKey(Kind.GRPC_ROUTE, "default", "echo-split");
  private static final ResourceKey ECHO_V2 = new ResourceKey(Kind.BACKEND, "default", "echo-v2");

  @Test
  void aGatewayRoutesChangeLeavesTheProxylessGroupAsItWasAndItsOwnInputsResolveItAgain() {
    // given a warm builder
    ConfigSnapshot config = Cases.snapshot(CONFIG);
    SnapshotBuilder builder = new SnapshotBuilder(Cases.SETTINGS);
    ProxyGroupIr first = proxyless(builder.build(inputs(config, EndpointSnapshot.empty())));

    // when the gateway's route changes (the others keep their instances, as the etcd view does)
    ConfigSnapshot siteMoved = replaced(config, SITE, CONFIG.replace("/site", "/home"));
    ProxyGroupIr afterSite = proxyless(builder.build(inputs(siteMoved, EndpointSnapshot.empty())));

    // then the proxyless group is the last build's instance
    assertThat(afterSite).isSameAs(first);

    // when the mesh route changes, then it is resolved again, as a fresh builder resolves it
    ConfigSnapshot splitMoved =
        replaced(siteMoved, SPLIT, CONFIG.replace("weight: 20", "weight: 40"));
    ProxyGroupIr afterSplit =
        proxyless(builder.build(inputs(splitMoved, EndpointSnapshot.empty())));
    assertThat(afterSplit)
        .isNotEqualTo(first)
        .isEqualTo(fresh(inputs(splitMoved, EndpointSnapshot.empty())));

    // when a discovery source reports an endpoint of echo-v2, the same
    EndpointSnapshot consul =
        new EndpointSnapshot(
            Map.of(
                ECHO_V2, List.of(new DiscoveredEndpoint("10.0.9.1", 50051, 1, "", "", "consul"))));
    ProxyGroupIr afterConsul = proxyless(builder.build(inputs(splitMoved, consul)));
    assertThat(afterConsul).isNotEqualTo(afterSplit).isEqualTo(fresh(inputs(splitMoved, consul)));

    // and when only the gateway's route changes again, the group stays as the last build had it
    ProxyGroupIr back =
        proxyless(builder.build(inputs(replaced(splitMoved, SITE, CONFIG), consul)));
    assertThat(back).isSameAs(afterConsul);
  }

  private static ConfigSnapshot replaced(ConfigSnapshot config, ResourceKey key, String yaml) {
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>(config.resources());
    resources.put(key, Cases.snapshot(yaml).get(key).orElseThrow());
    return new ConfigSnapshot(config.revision() + 1, resources);
  }

  private static Inputs inputs(ConfigSnapshot config, EndpointSnapshot discovered) {
    return new Inputs(
        config,
        StaticEndpointSource.from(config).with(discovered),
        Cases.KEYS.ringFor(config),
        TestIdentities.forConfig(config),
        IssuerSnapshot.empty());
  }

  private static ProxyGroupIr fresh(Inputs inputs) {
    return proxyless(new SnapshotBuilder(Cases.SETTINGS).build(inputs));
  }

  private static ProxyGroupIr proxyless(SnapshotBuilder.Build build) {
    return build.resolved().groups().stream()
        .filter(g -> g.name().equals("proxyless"))
        .findFirst()
        .orElseThrow();
  }
}
