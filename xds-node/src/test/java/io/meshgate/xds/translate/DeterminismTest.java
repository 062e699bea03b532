package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.EnvoyTranslator;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.Versions;
import io.meshgate.xds.ir.ResolvedIr;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The same input in any order gives byte-identical output and identical versions. */
class DeterminismTest {
  @Test
  void shuffledInputGivesIdenticalOutputAndVersions() {
    for (Path dir : GoldenFiles.cases(ResolveGoldenTest.ROOT)) {
      // given: the case's documents, and the same documents shuffled (seeded, printed on failure)
      String input = GoldenFiles.read(dir.resolve("input.yaml"));
      List<String> documents = new ArrayList<>(List.of(input.split("(?m)^---\\s*$")));
      long seed = dir.getFileName().toString().hashCode();
      Collections.shuffle(documents, new Random(seed));
      String shuffled = String.join("---\n", documents);

      // when
      ResolvedIr a = Cases.resolve(input);
      ResolvedIr b = Cases.resolve(shuffled);

      // then
      assertThat(Cases.irYaml(b))
          .as("%s (seed %d)", dir.getFileName(), seed)
          .isEqualTo(Cases.irYaml(a));
      assertThat(b.problems()).isEqualTo(a.problems());
      List<GroupResources> ea = EnvoyTranslator.translate(a, Cases.KEYS);
      List<GroupResources> eb = EnvoyTranslator.translate(b, Cases.KEYS);
      for (int g = 0; g < ea.size(); g++) {
        assertThat(Versions.of(eb.get(g).listeners()))
            .isEqualTo(Versions.of(ea.get(g).listeners()));
        assertThat(Versions.of(eb.get(g).routes())).isEqualTo(Versions.of(ea.get(g).routes()));
        assertThat(Versions.of(eb.get(g).clusters())).isEqualTo(Versions.of(ea.get(g).clusters()));
        assertThat(Versions.of(eb.get(g).endpoints()))
            .isEqualTo(Versions.of(ea.get(g).endpoints()));
      }
    }
  }

  @Test
  void aChangedRouteChangesOnlyTheRouteVersion() {
    String input =
        GoldenFiles.read(ResolveGoldenTest.ROOT.resolve("http-route-weighted-backends/input.yaml"));
    GroupResources before = gateway(input);
    GroupResources after = gateway(input.replace("weight: 90", "weight: 50"));

    assertThat(Versions.of(after.routes())).isNotEqualTo(Versions.of(before.routes()));
    assertThat(Versions.of(after.listeners())).isEqualTo(Versions.of(before.listeners()));
    assertThat(Versions.of(after.clusters())).isEqualTo(Versions.of(before.clusters()));
    assertThat(Versions.of(after.endpoints())).isEqualTo(Versions.of(before.endpoints()));
  }

  private static GroupResources gateway(String input) {
    return EnvoyTranslator.translate(Cases.resolve(input), Cases.KEYS).stream()
        .filter(g -> g.group().startsWith("gateway/"))
        .findFirst()
        .orElseThrow();
  }
}
