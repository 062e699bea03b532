package io.meshgate.xds.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.xds.translate.Cases;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * What the resolve cache tells a build changed since the last completed one — the Backends
 * replaced, added or removed, and the Backends whose endpoints differ — which a sidecar's group
 * checks what it read against.
 */
class ResolveCacheTest {
  private static final String BACKENDS =
      """
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: api}
      spec:
        static: {endpoints: [{address: 10.0.0.1, port: 8080}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: web}
      spec:
        static: {endpoints: [{address: 10.0.0.2, port: 8080}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: db}
      spec:
        static: {endpoints: [{address: 10.0.0.3, port: 5432}]}
      """;

  private static final ResourceKey API = new ResourceKey(Kind.BACKEND, "default", "api");
  private static final ResourceKey WEB = new ResourceKey(Kind.BACKEND, "default", "web");
  private static final ResourceKey DB = new ResourceKey(Kind.BACKEND, "default", "db");

  @Test
  void aBuildIsToldWhichBackendsAndWhoseEndpointsChangedSinceTheLastOneAndSharesTheRest() {
    // given a completed build
    ResolveCache cache = new ResolveCache();
    ConfigSnapshot first = Cases.snapshot(BACKENDS);
    ResolveCache.Changes firstChanges = cache.changes(first, StaticEndpointSource.from(first));
    cache.endBuild();

    // when api's endpoint moves (a new instance, as the view gives a changed resource), db goes
    // and web keeps its instance, with its endpoints computed anew (equal, another list)
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>(first.resources());
    resources.put(
        API, Cases.snapshot(BACKENDS.replace("10.0.0.1", "10.0.0.9")).get(API).orElseThrow());
    resources.remove(DB);
    ConfigSnapshot second = new ConfigSnapshot(first.revision() + 1, resources);
    ResolveCache.Changes changes = cache.changes(second, StaticEndpointSource.from(second));

    // then: at first every Backend was new; now api (replaced) and db (removed) changed, and so
    // did their endpoints; web's endpoint list is the first build's very instance
    assertThat(firstChanges.backends()).containsExactlyInAnyOrder(API, WEB, DB);
    assertThat(changes.backends()).containsExactlyInAnyOrder(API, DB);
    assertThat(changes.endpointsOf()).containsExactlyInAnyOrder(API, DB);
    assertThat(changes.endpoints().endpoints(WEB))
        .isSameAs(firstChanges.endpoints().endpoints(WEB));
    assertThat(changes.endpoints()).isEqualTo(StaticEndpointSource.from(second));
    assertThat(changes.reach(Set.of(WEB), Set.of(WEB))).isFalse();
    assertThat(changes.reach(Set.of(WEB, DB), Set.of(WEB))).isTrue();
    assertThat(changes.reach(Set.of(WEB), Set.of(API))).isTrue();
  }

  @Test
  void afterABuildThatNeverEndedEverythingCountsAsChangedAndNothingKeptIsReused() {
    // given a completed build that kept a part, and a build that started and never ended
    ResolveCache cache = new ResolveCache();
    ConfigSnapshot config = Cases.snapshot(BACKENDS);
    cache.changes(config, StaticEndpointSource.from(config));
    Object kept = cache.<String, Object>get("part", "input", input -> new Object());
    cache.endBuild();
    cache.changes(config, StaticEndpointSource.from(config));

    // when the next build starts, with the same inputs
    ResolveCache.Changes changes = cache.changes(config, EndpointSnapshot.empty());

    // then the Backends count as changed, and the part is computed again
    assertThat(changes.backends()).containsExactlyInAnyOrder(API, WEB, DB);
    Object again = cache.<String, Object>get("part", "input", input -> new Object());
    assertThat(again).isNotSameAs(kept);
  }
}
