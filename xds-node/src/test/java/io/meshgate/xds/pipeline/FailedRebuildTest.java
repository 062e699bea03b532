package io.meshgate.xds.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.translate.Cases;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A rebuild that fails as a whole — here stored config an earlier, looser release accepted (a
 * MeshBridge whose Consul datacenter cannot be part of a SPIFFE ID), which this release cannot use
 * — publishes nothing and is counted; the proxies keep their last good config, and the next
 * revision that can be built is built (the pipeline is not wedged).
 */
class FailedRebuildTest {
  private static final String GATEWAY =
      """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: edge}
      spec: {listeners: [{name: http, port: 80, protocol: HTTP}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: web}
      spec: {static: {endpoints: [{address: 10.0.0.1, port: 8080}]}}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: web}
      spec:
        parentRefs: [{name: edge}]
        rules: [{matches: [{path: {type: PathPrefix, value: PATH}}], backendRefs: [{name: web}]}]
      """;

  /** Stored before this release's validation: not valid input now, read from etcd as it is. */
  private static final String OLD_BRIDGE =
      """
      apiVersion: meshgate.io/v1alpha1
      kind: MeshBridge
      metadata: {name: consul}
      spec:
        mesh: Consul
        trustDomain: 11111111-2222-3333-4444-555555555555.consul
        ca: {consul: {address: "http://127.0.0.1:8500", datacenter: "dc1/east"}}
        gateways: [edge]
        backends: [web]
      """;

  @Test
  void aRebuildThatFailsPublishesNothingAndTheNextGoodRevisionBuilds() throws Exception {
    SnapshotStore store = new SnapshotStore();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger built = new AtomicInteger();
    try (Pipeline pipeline = new Pipeline(store, Duration.ofMillis(10), Duration.ofMillis(50))) {
      pipeline.metrics(
          new PipelineMetrics() {
            @Override
            public void built(
                SnapshotBuilder.Build build,
                Identities identities,
                EndpointDiscovery.Discovered discovered,
                long nanos) {
              built.incrementAndGet();
            }

            @Override
            public void failed() {
              failed.incrementAndGet();
            }
          });
      pipeline.accept(Cases.snapshot(GATEWAY.replace("PATH", "/v1")));
      await().until(() -> routeVersion(store) != null);
      String good = routeVersion(store);

      // when: a revision holds the old bridge (and a changed route)
      ConfigSnapshot broken =
          withStored(Cases.snapshot(GATEWAY.replace("PATH", "/v2")), OLD_BRIDGE, 10);
      pipeline.accept(broken);

      // then: the rebuild fails, is counted, and the proxies keep the last good config
      await().until(() -> failed.get() > 0);
      assertThat(routeVersion(store)).isEqualTo(good);
      int builds = built.get();

      // when: the next revision no longer holds it
      pipeline.accept(
          new ConfigSnapshot(11, Cases.snapshot(GATEWAY.replace("PATH", "/v3")).resources()));

      // then: it builds
      await().until(() -> built.get() > builds);
      assertThat(routeVersion(store)).isNotEqualTo(good);
    }
  }

  private static String routeVersion(SnapshotStore store) {
    return store
        .get("gateway/default/edge")
        .map(snapshot -> snapshot.type(TypeUrls.ROUTE).version())
        .orElse(null);
  }

  /** {@code config} plus a resource as etcd would hand it over, without validating it. */
  private static ConfigSnapshot withStored(ConfigSnapshot config, String yaml, long revision) {
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>(config.resources());
    List<Document> documents = YamlDocuments.read("stored.yaml", yaml);
    Resource stored = ResourceCodec.fromTree(documents.get(0).tree());
    resources.put(stored.key(), stored);
    return new ConfigSnapshot(revision, resources);
  }
}
