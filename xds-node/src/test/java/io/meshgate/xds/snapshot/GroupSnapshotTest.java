package io.meshgate.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.EnvoyTranslator;
import io.meshgate.xds.envoy.TranslationCache;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.resolve.Resolver;
import io.meshgate.xds.translate.TestConfigs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Grouping and versioning, with the translation cache warm as in production. */
class GroupSnapshotTest {
  private static final Path CASE =
      Path.of("src/test/resources/golden/resolve/http-route-weighted-backends/input.yaml");

  private static ResolvedIr resolve(String yaml) {
    var config = TestConfigs.snapshot(yaml);
    return Resolver.resolve(config, StaticEndpointSource.from(config));
  }

  @Test
  void aWarmBuildEqualsAColdOne() {
    // given: a cache warm from one config
    TranslationCache cache = new TranslationCache();
    String input = GoldenFiles.read(CASE);
    for (ProxyGroupIr group : resolve(input).groups()) {
      GroupSnapshot.of(EnvoyTranslator.translate(group, KeyRing.empty(), cache), 1);
    }
    cache.endBuild();

    // when: the next config, built warm and cold
    for (ProxyGroupIr group : resolve(input.replace("weight: 90", "weight: 60")).groups()) {
      GroupSnapshot warm =
          GroupSnapshot.of(EnvoyTranslator.translate(group, KeyRing.empty(), cache), 7);
      GroupSnapshot cold =
          GroupSnapshot.of(
              EnvoyTranslator.translate(group, KeyRing.empty(), new TranslationCache()), 7);

      // then
      assertThat(warm).as(group.name()).isEqualTo(cold);
    }
  }

  @Test
  void aChangedRouteTranslatesOnlyTheRoute() {
    // given: a first build
    TranslationCache cache = new TranslationCache();
    String input = GoldenFiles.read(CASE);
    ProxyGroupIr before = gateway(resolve(input));
    GroupSnapshot first =
        GroupSnapshot.of(EnvoyTranslator.translate(before, KeyRing.empty(), cache), 1);
    cache.endBuild();
    long translatedFirst = cache.misses();

    // when: only a weight changes
    ProxyGroupIr after = gateway(resolve(input.replace("weight: 90", "weight: 60")));
    GroupSnapshot second =
        GroupSnapshot.of(EnvoyTranslator.translate(after, KeyRing.empty(), cache), 2);

    // then: the virtual host holding the route was translated again, and the route table put
    // together from its hosts' bytes; everything else was reused
    assertThat(cache.misses() - translatedFirst).isEqualTo(2);
    assertThat(second.type(TypeUrls.ROUTE).version())
        .isNotEqualTo(first.type(TypeUrls.ROUTE).version());
    assertThat(second.type(TypeUrls.CLUSTER)).isEqualTo(first.type(TypeUrls.CLUSTER));
    assertThat(second.type(TypeUrls.LISTENER)).isEqualTo(first.type(TypeUrls.LISTENER));
  }

  private static ProxyGroupIr gateway(ResolvedIr ir) {
    return ir.groups().stream()
        .filter(g -> g.name().startsWith("gateway/"))
        .findFirst()
        .orElseThrow();
  }
}
