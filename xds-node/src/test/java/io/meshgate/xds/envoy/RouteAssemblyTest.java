package io.meshgate.xds.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.translate.Cases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A route configuration put together from its virtual hosts' cached bytes is, byte for byte, the
 * deterministic serialisation of the message {@link Routes#of} builds, for every route table of
 * every golden case: same bytes, same version, same Any.
 */
class RouteAssemblyTest {
  @Test
  void assembledRouteConfigurationsAreTheMessagesBytes() throws IOException {
    List<Path> cases;
    try (Stream<Path> files = Files.walk(Path.of("src/test/resources/golden"))) {
      cases =
          files
              .filter(p -> p.getFileName().toString().equals("input.yaml"))
              .map(Path::getParent)
              .sorted()
              .toList();
    }
    int tables = 0;
    for (Path dir : cases) {
      Inputs inputs = Cases.caseInputs(dir);
      TranslationCache cache = new TranslationCache();
      for (ProxyGroupIr group : Cases.translate(inputs).ir().groups()) {
        GroupResources resources =
            EnvoyTranslator.translate(group, inputs.keys(), inputs.identities(), cache);
        assertThat(resources.routes()).as(dir.toString()).hasSameSizeAs(group.routeTables());
        for (RouteTableIr table : group.routeTables()) {
          EnvoyResource expected =
              EnvoyResource.of(table.name(), Routes.of(table, group.kind(), inputs.keys()));
          assertThat(resources.routes()).as(dir + ": " + table.name()).contains(expected);
          tables++;
        }
      }
    }
    // Every case with HTTP routes has a table; most cases have several.
    assertThat(tables).isGreaterThan(cases.size());
  }
}
