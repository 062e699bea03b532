package io.meshgate.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.EnvoyTranslator;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.PrivateKeys;
import io.meshgate.xds.translate.TestConfigs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GroupSnapshotTest {
  private static final Path CASE =
      Path.of("src/test/resources/golden/resolve/http-route-weighted-backends/input.yaml");

  private static ResolvedIr resolve(String yaml) {
    var config = TestConfigs.snapshot(yaml);
    return io.meshgate.xds.resolve.Resolver.resolve(
        config, io.meshgate.discovery.StaticEndpointSource.from(config));
  }

  @Test
  void theCachedBuildEqualsTheFullTranslation() {
    ResourceCache cache = new ResourceCache();
    for (ProxyGroupIr group : resolve(GoldenFiles.read(CASE)).groups()) {
      GroupSnapshot cached = GroupSnapshot.of(group, 7, cache, PrivateKeys.withoutSealKey());
      GroupSnapshot full =
          GroupSnapshot.of(EnvoyTranslator.translate(group, PrivateKeys.withoutSealKey()), 7);

      assertThat(cached).isEqualTo(full);
    }
  }

  @Test
  void aChangedRouteTranslatesOnlyTheRoute() {
    // given: a first build
    ResourceCache cache = new ResourceCache();
    String input = GoldenFiles.read(CASE);
    ProxyGroupIr before = gateway(resolve(input));
    GroupSnapshot first = GroupSnapshot.of(before, 1, cache, PrivateKeys.withoutSealKey());
    cache.endBuild();
    long translatedFirst = cache.misses();

    // when: only a weight changes
    ProxyGroupIr after = gateway(resolve(input.replace("weight: 90", "weight: 60")));
    GroupSnapshot second = GroupSnapshot.of(after, 2, cache, PrivateKeys.withoutSealKey());

    // then: one resource (the route table) was translated again; everything else was reused
    assertThat(cache.misses() - translatedFirst).isEqualTo(1);
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
