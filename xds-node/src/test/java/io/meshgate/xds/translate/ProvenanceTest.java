package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.EnvoyResource;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.Provenance;
import io.meshgate.xds.ir.ProxyGroupIr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Provenance over the envoy golden cases: every resource the envoy stage makes from a group's IR is
 * traced back by name to the config resources it came from (what proxy-config prints as {@code
 * from}).
 */
class ProvenanceTest {
  @TestFactory
  Stream<DynamicTest> everyEnvoyResourceOfEveryCaseIsTracedToItsIrElement() {
    return GoldenFiles.cases(EnvoyGoldenTest.ROOT).stream()
        .filter(dir -> Files.exists(dir.resolve("input.yaml")))
        .map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
  }

  private static void check(Path dir) {
    Cases.Translated translated = Cases.translateCase(dir);
    for (GroupResources group : translated.groups()) {
      ProxyGroupIr ir =
          translated.ir().groups().stream()
              .filter(g -> g.name().equals(group.group()))
              .findFirst()
              .orElseThrow();
      Provenance provenance = Provenance.of(ir);
      traced(group.group(), "listener", group.listeners(), provenance.listeners());
      traced(group.group(), "route", group.routes(), provenance.routes());
      traced(group.group(), "cluster", group.clusters(), provenance.clusters());
      traced(group.group(), "endpoints", group.endpoints(), provenance.clusters());
      traced(group.group(), "secret", group.secrets(), provenance.secrets());
    }
  }

  private static void traced(
      String group, String what, List<EnvoyResource> resources, Map<String, List<String>> byName) {
    for (EnvoyResource resource : resources) {
      assertThat(byName).as("%s %s %s", group, what, resource.name()).containsKey(resource.name());
      if (!resource.name().startsWith("meshgate/")) {
        // meshgate's own clusters (the one answering 503 for a missing backend) come from no
        // resource; in a group without an owner (proxyless) they name none.
        assertThat(byName.get(resource.name())).as("%s %s", what, resource.name()).isNotEmpty();
      }
    }
  }

  @Test
  void aGatewaysRoutesNameTheGatewayAndTheirRoutesAndItsSecretsTheKubernetesSecret() {
    // given
    Cases.Translated translated =
        Cases.translateCase(EnvoyGoldenTest.ROOT.resolve("gateway-https-certificates-by-sni"));
    ProxyGroupIr edge =
        translated.ir().groups().stream()
            .filter(g -> g.name().equals("gateway/default/edge"))
            .findFirst()
            .orElseThrow();

    // when
    Provenance provenance = Provenance.of(edge);

    // then
    assertThat(provenance.of(Provenance.Part.ROUTES, "default/edge/443/edge"))
        .containsExactly(
            "Gateway default/edge (generation 1)", "HTTPRoute default/web (generation 1)");
    assertThat(provenance.of(Provenance.Part.ROUTES, "default/edge/443/api"))
        .containsExactly(
            "Gateway default/edge (generation 1)", "GRPCRoute default/api (generation 1)");
    assertThat(provenance.of(Provenance.Part.SECRETS, "secret/default/edge.example.com"))
        .containsExactly("Gateway default/edge (generation 1)", "Secret default/edge.example.com");
    assertThat(provenance.of(Provenance.Part.ENDPOINTS, "default/web"))
        .contains("Backend default/web (generation 1)");
    assertThat(provenance.of(Provenance.Part.LISTENERS, "no-such-listener"))
        .as("an unknown name: the owner")
        .containsExactly("Gateway default/edge (generation 1)");
  }
}
