package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.ir.ClusterIr;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.snapshot.GroupSnapshot;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Mesh-style routes (parentRef a Backend) on sidecars, through the production entry: they steer the
 * outbound traffic of every sidecar that calls their Backend, and nothing else (sidecar-mesh-routes
 * shows the whole output).
 */
class SidecarMeshRoutesTest {
  /** Two sidecars: web calls api and reviews, batch calls reviews only. */
  private static final String MESH =
      """
      apiVersion: meshgate.io/v1alpha1
      kind: Sidecar
      metadata: {name: web}
      spec:
        service: web
        inbound: {port: 21000, localPort: 8080}
        upstreams:
          - {backend: api, localBindPort: 9191}
          - {backend: reviews, localBindPort: 9292}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Sidecar
      metadata: {name: batch}
      spec:
        service: batch
        inbound: {port: 21000, localPort: 8080}
        upstreams:
          - {backend: reviews, localBindPort: 9292}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: web}
      spec:
        mesh: {}
        static: {endpoints: [{address: 10.0.0.10, port: 21000}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: batch}
      spec:
        mesh: {}
        static: {endpoints: [{address: 10.0.0.11, port: 21000}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: api}
      spec:
        mesh: {}
        static: {endpoints: [{address: 10.0.0.1, port: 21000}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: api-v1}
      spec:
        mesh: {serviceAccount: api}
        static: {endpoints: [{address: 10.0.1.1, port: 21000}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: api-v2}
      spec:
        mesh: {serviceAccount: api}
        static: {endpoints: [{address: 10.0.2.1, port: 21000}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: reviews}
      spec:
        mesh: {}
        static: {endpoints: [{address: 10.0.3.1, port: 21000}]}
      """;

  private static final String API_SPLIT =
      """
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: api}
      spec:
        parentRefs: [{group: meshgate.io, kind: Backend, name: api}]
        rules:
          - matches: [{path: {type: PathPrefix, value: /v2}}]
            backendRefs: [{name: api-v1, weight: 3}, {name: api-v2, weight: 1}]
      """;

  @Test
  void aRouteAttachedToABackendSplitsWhatASidecarSendsToIt() throws Exception {
    // given
    Cases.Translated translated = Cases.translate(MESH + API_SPLIT);

    // when
    GroupResources web = group(translated, "sidecar/default/web");

    // then the listener to api routes by the rule, and the split's clusters are mTLS clusters
    Route route = routes(web, "outbound/default/api").get(0);
    assertThat(route.getMatch().getPathSeparatedPrefix()).isEqualTo("/v2");
    assertThat(route.getRoute().getWeightedClusters().getClustersList())
        .extracting(WeightedCluster.ClusterWeight::getName, c -> c.getWeight().getValue())
        .containsExactly(tuple("default/api-v1", 3), tuple("default/api-v2", 1));
    Map<String, Cluster> clusters =
        unpack(web.clusters(), Cluster.class).stream()
            .collect(Collectors.toMap(Cluster::getName, c -> c));
    assertThat(clusters).containsKeys("default/api-v1", "default/api-v2", "default/reviews");
    // no route sends to api itself, so its cluster is not needed
    assertThat(clusters).doesNotContainKey("default/api");
    assertThat(clusters.get("default/api-v1").hasTransportSocket()).isTrue();
    assertThat(clusters.get("default/api-v2").hasTransportSocket()).isTrue();
    assertThat(translated.ir().problems()).isEmpty();
  }

  @Test
  void anUpstreamWithoutARouteAndASidecarThatDoesNotCallTheBackendAreUnchanged() {
    // given
    ConfigSnapshot without = Cases.snapshot(MESH);
    ConfigSnapshot with = Cases.snapshot(MESH + API_SPLIT);

    // when
    Map<String, ProxyGroupIr> before = groups(Cases.translate(Cases.inputs(without)));
    Map<String, ProxyGroupIr> after = groups(Cases.translate(Cases.inputs(with)));

    // then batch (which never calls api) is equal, and web's listener to reviews is too
    assertThat(after.get("sidecar/default/batch")).isEqualTo(before.get("sidecar/default/batch"));
    assertThat(after.get("sidecar/default/web")).isNotEqualTo(before.get("sidecar/default/web"));
    assertThat(table(after, "sidecar/default/web", "outbound/default/reviews"))
        .isEqualTo(table(before, "sidecar/default/web", "outbound/default/reviews"));
  }

  @Test
  void aRouteChangeIsTranslatedForTheSidecarsThatCallItsBackendOnly() {
    // given a warm builder, as the pipeline keeps one
    SnapshotBuilder builder = new SnapshotBuilder(Cases.SETTINGS);
    SnapshotBuilder.Build first = builder.build(Cases.inputs(Cases.snapshot(MESH + API_SPLIT)));

    // when api's route changes its path
    SnapshotBuilder.Build changed =
        builder.build(Cases.inputs(Cases.snapshot(MESH + API_SPLIT.replace("/v2", "/v3"))));

    // then web's group and the proxyless group are translated again, batch's is kept
    assertThat(changed.translated()).isEqualTo(2);
    assertThat(snapshot(changed, "sidecar/default/batch").types())
        .isSameAs(snapshot(first, "sidecar/default/batch").types());
    assertThat(snapshot(changed, "sidecar/default/web").types())
        .isNotEqualTo(snapshot(first, "sidecar/default/web").types());
  }

  @Test
  void aWarmBuilderResolvesAgainOnlyTheSidecarsAChangeReaches() {
    // given a warm builder, and a discovery source reporting an endpoint of api-v1
    ConfigSnapshot config = Cases.snapshot(MESH + API_SPLIT);
    SnapshotBuilder builder = new SnapshotBuilder(Cases.SETTINGS);
    Map<String, ProxyGroupIr> first = groups(builder.build(withDiscovered(config, "10.0.9.1")));

    // when the endpoint moves (api-v1 is reached by web's route to api, batch never sends to it)
    Map<String, ProxyGroupIr> moved = groups(builder.build(withDiscovered(config, "10.0.9.2")));

    // then batch's group is the last build's instance, web's is resolved again
    assertThat(moved.get("sidecar/default/batch")).isSameAs(first.get("sidecar/default/batch"));
    assertThat(moved.get("sidecar/default/web")).isNotEqualTo(first.get("sidecar/default/web"));

    // when api's route changes (the other resources keep their instances, as the etcd view does)
    ResourceKey api = new ResourceKey(Kind.HTTP_ROUTE, "default", "api");
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>(config.resources());
    resources.put(api, Cases.snapshot(API_SPLIT.replace("/v2", "/v3")).get(api).orElseThrow());
    ConfigSnapshot routeChanged = new ConfigSnapshot(config.revision() + 1, resources);
    Map<String, ProxyGroupIr> rerouted =
        groups(builder.build(withDiscovered(routeChanged, "10.0.9.2")));

    // then the same: only web, which calls api, is resolved again
    assertThat(rerouted.get("sidecar/default/batch")).isSameAs(first.get("sidecar/default/batch"));
    assertThat(rerouted.get("sidecar/default/web")).isNotEqualTo(moved.get("sidecar/default/web"));

    // when api-v1's own spec changes (a static endpoint moves)
    ResourceKey apiV1 = new ResourceKey(Kind.BACKEND, "default", "api-v1");
    resources.put(
        apiV1, Cases.snapshot(MESH.replace("10.0.1.1", "10.0.1.9")).get(apiV1).orElseThrow());
    ConfigSnapshot backendChanged = new ConfigSnapshot(config.revision() + 2, resources);
    Map<String, ProxyGroupIr> respecified =
        groups(builder.build(withDiscovered(backendChanged, "10.0.9.2")));

    // then only web, which reads api-v1 through api's route, is resolved again
    assertThat(respecified.get("sidecar/default/batch"))
        .isSameAs(first.get("sidecar/default/batch"));
    assertThat(respecified.get("sidecar/default/web"))
        .isNotEqualTo(rerouted.get("sidecar/default/web"));
  }

  private static Inputs withDiscovered(ConfigSnapshot config, String address) {
    ResourceKey apiV1 = new ResourceKey(Kind.BACKEND, "default", "api-v1");
    return new Inputs(
        config,
        StaticEndpointSource.from(config)
            .with(
                new EndpointSnapshot(
                    Map.of(
                        apiV1,
                        List.of(new DiscoveredEndpoint(address, 21000, 1, "", "", "consul"))))),
        Cases.KEYS.ringFor(config),
        TestIdentities.forConfig(config),
        IssuerSnapshot.empty());
  }

  private static Map<String, ProxyGroupIr> groups(SnapshotBuilder.Build build) {
    return build.resolved().groups().stream().collect(Collectors.toMap(ProxyGroupIr::name, g -> g));
  }

  @Test
  void aWarmBuilderGivesWhatAFreshOneGivesAsRoutesAndWhatTheyReadChange() {
    // given a sequence of configs: a route comes, changes, its backend and a policy change, it goes
    String policy =
        """
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: TrafficPolicy
        metadata: {name: api}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: api}]
          timeout: {request: 2s}
        """;
    List<String> configs =
        List.of(
            MESH,
            MESH + API_SPLIT,
            MESH + API_SPLIT.replace("weight: 3", "weight: 5"),
            MESH.replace("10.0.1.1", "10.0.1.9") + API_SPLIT,
            MESH + API_SPLIT + policy,
            MESH.replace("localBindPort: 9191", "localBindPort: 9199") + API_SPLIT + policy,
            MESH);
    SnapshotBuilder warm = new SnapshotBuilder(Cases.SETTINGS);

    for (int step = 0; step < configs.size(); step++) {
      // when
      Inputs inputs = Cases.inputs(Cases.snapshot(configs.get(step)));
      SnapshotBuilder.Build incremental = warm.build(inputs);
      SnapshotBuilder.Build full = new SnapshotBuilder(Cases.SETTINGS).build(inputs);

      // then
      assertThat(incremental.resolved()).as("step %d", step).isEqualTo(full.resolved());
      assertThat(incremental.snapshots()).as("step %d", step).isEqualTo(full.snapshots());
    }
  }

  private static GroupSnapshot snapshot(SnapshotBuilder.Build build, String group) {
    return build.snapshots().stream()
        .filter(s -> s.group().equals(group))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void sidecarsThatCallABackendAlikeShareOneListenerAndOneRouteConfiguration() {
    // given web and jobs, both binding api to port 9191 (web calls reviews too)
    String jobs = jobsCalling("api", 9191);

    // when built as the pipeline builds
    SnapshotBuilder.Build build =
        new SnapshotBuilder(Cases.SETTINGS)
            .build(Cases.inputs(Cases.snapshot(MESH + API_SPLIT + jobs)));

    // then both groups hold the very same packed listener and route configuration for api
    Map<String, GroupSnapshot> snapshots =
        build.snapshots().stream().collect(Collectors.toMap(GroupSnapshot::group, g -> g));
    for (String type :
        List.of(
            "type.googleapis.com/envoy.config.listener.v3.Listener",
            "type.googleapis.com/envoy.config.route.v3.RouteConfiguration")) {
      assertThat(resource(snapshots.get("sidecar/default/jobs"), type, "outbound/default/api"))
          .as(type)
          .isSameAs(resource(snapshots.get("sidecar/default/web"), type, "outbound/default/api"));
    }
  }

  /** A Sidecar jobs (service batch) with one upstream, {@code backend} bound to {@code port}. */
  private static String jobsCalling(String backend, int port) {
    return """
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Sidecar
        metadata: {name: jobs}
        spec:
          service: batch
          inbound: {port: 21000, localPort: 8080}
          upstreams:
            - {backend: %s, localBindPort: %d}
        """
        .formatted(backend, port);
  }

  private static Object resource(GroupSnapshot group, String type, String name) {
    return group.types().get(type).resources().get(name).resource();
  }

  @Test
  void aRouteIsResolvedOnceForAllTheSidecarsThatCallItsBackend() {
    // given a third sidecar that calls api too
    String jobs = jobsCalling("api", 7000);

    // when
    Map<String, ProxyGroupIr> groups = groups(Cases.translate(MESH + API_SPLIT + jobs));

    // then both sidecars hold the one resolution of the route: the same instance
    RouteTableIr web = (RouteTableIr) table(groups, "sidecar/default/web", "outbound/default/api");
    RouteTableIr other =
        (RouteTableIr) table(groups, "sidecar/default/jobs", "outbound/default/api");
    RouteIr route = web.virtualHosts().get(0).routes().get(0);
    assertThat(other.virtualHosts().get(0).routes()).singleElement().isSameAs(route);
    // ... and each has the clusters the route sends to in its own group
    for (String group : List.of("sidecar/default/web", "sidecar/default/jobs")) {
      assertThat(groups.get(group).clusters())
          .extracting(ClusterIr::name)
          .as(group)
          .contains("default/api-v1", "default/api-v2");
    }
  }

  @Test
  void aDanglingBackendRefAnswers500WithAProblemOnTheRoute() throws Exception {
    // given
    String yaml =
        MESH
            + """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: api}
            spec:
              parentRefs: [{group: meshgate.io, kind: Backend, name: api}]
              rules:
                - backendRefs: [{name: api-v9}]
                - matches: [{path: {type: PathPrefix, value: /other}}]
                  backendRefs: [{name: api, namespace: elsewhere}]
            """;

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then
    List<Route> routes = routes(group(translated, "sidecar/default/web"), "outbound/default/api");
    assertThat(routes)
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.getDirectResponse().getStatus()).isEqualTo(500));
    assertThat(translated.ir().problems())
        .filteredOn(p -> p.source().kind().equals("HTTPRoute"))
        .extracting(Problem::path, Problem::reason)
        .contains(
            tuple("/spec/rules/0/backendRefs/0", ProblemReason.BACKEND_NOT_FOUND),
            tuple("/spec/rules/1/backendRefs/0", ProblemReason.REF_NOT_PERMITTED));
  }

  @Test
  void aRoutesTransformPolicyBringsItsFiltersIntoTheSidecarsChain() throws Exception {
    // given
    String yaml =
        MESH
            + API_SPLIT
            + """
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: TransformPolicy
            metadata: {name: api}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: api}]
              cache: {}
            """;

    // when
    GroupResources web = group(Cases.translate(yaml), "sidecar/default/web");

    // then the cache is in the listener to api (off), and turned on by the route
    List<String> filters =
        connectionManager(web, "outbound/default/api").getHttpFiltersList().stream()
            .map(HttpFilter::getName)
            .toList();
    assertThat(filters).contains("meshgate.cache/default/api");
    assertThat(routes(web, "outbound/default/api").get(0).getTypedPerFilterConfigMap())
        .containsKey("meshgate.cache/default/api");
    assertThat(
            connectionManager(web, "outbound/default/reviews").getHttpFiltersList().stream()
                .map(HttpFilter::getName))
        .doesNotContain("meshgate.cache/default/api");
  }

  private static GroupResources group(Cases.Translated translated, String name) {
    return translated.groups().stream()
        .filter(g -> g.group().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Map<String, ProxyGroupIr> groups(Cases.Translated translated) {
    return translated.ir().groups().stream().collect(Collectors.toMap(ProxyGroupIr::name, g -> g));
  }

  private static Object table(Map<String, ProxyGroupIr> groups, String group, String table) {
    return groups.get(group).routeTables().stream()
        .filter(t -> t.name().equals(table))
        .findFirst()
        .orElseThrow();
  }

  private static List<Route> routes(GroupResources group, String table) {
    return unpack(group.routes(), RouteConfiguration.class).stream()
        .filter(r -> r.getName().equals(table))
        .findFirst()
        .orElseThrow()
        .getVirtualHosts(0)
        .getRoutesList();
  }

  private static HttpConnectionManager connectionManager(GroupResources group, String listener)
      throws Exception {
    return unpack(group.listeners(), Listener.class).stream()
        .filter(l -> l.getName().equals(listener))
        .findFirst()
        .orElseThrow()
        .getFilterChains(0)
        .getFilters(0)
        .getTypedConfig()
        .unpack(HttpConnectionManager.class);
  }
}
