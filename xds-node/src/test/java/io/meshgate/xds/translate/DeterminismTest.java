package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.EnvoyResource;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.TypeUrls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same input in any order gives byte-identical output and identical versions, for every golden
 * input, through the entries production uses.
 */
class DeterminismTest {
  /** Every golden case with resources as input: the resolve goldens' and the envoy goldens'. */
  static Stream<Path> everyGoldenInput() {
    return Stream.of(ResolveGoldenTest.ROOT, EnvoyGoldenTest.ROOT)
        .flatMap(root -> GoldenFiles.cases(root).stream())
        .filter(dir -> Files.exists(dir.resolve("input.yaml")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyGoldenInput")
  void shuffledInputGivesByteIdenticalOutputAndVersions(Path dir) {
    // given: the case's documents, and the same documents shuffled (seeded, printed on failure)
    String input = GoldenFiles.read(dir.resolve("input.yaml"));
    List<String> documents = new ArrayList<>(List.of(input.split("(?m)^---\\s*$")));
    long seed = dir.getFileName().toString().hashCode();
    Collections.shuffle(documents, new Random(seed));
    String shuffled = String.join("---\n", documents);

    // when
    Cases.Translated a = Cases.translate(input);
    Cases.Translated b = Cases.translate(shuffled);

    // then
    String at = dir.getFileName() + " (seed " + seed + ")";
    assertThat(Cases.irYaml(b.ir())).as(at).isEqualTo(Cases.irYaml(a.ir()));
    assertThat(b.ir().problems()).as(at).isEqualTo(a.ir().problems());
    assertThat(b.groups()).as(at).hasSameSizeAs(a.groups());
    for (int g = 0; g < a.groups().size(); g++) {
      GroupResources ea = a.groups().get(g);
      GroupResources eb = b.groups().get(g);
      assertThat(bytes(eb)).as("%s %s", at, ea.group()).isEqualTo(bytes(ea));
      GroupSnapshot sa = GroupSnapshot.of(ea, 1);
      GroupSnapshot sb = GroupSnapshot.of(eb, 1);
      for (String type : TypeUrls.ALL) {
        assertThat(sb.type(type).version())
            .as("%s %s %s", at, ea.group(), type)
            .isEqualTo(sa.type(type).version());
      }
    }
  }

  private static List<String> versions(List<EnvoyResource> resources) {
    return resources.stream().map(EnvoyResource::version).toList();
  }

  /** Every resource of a group, serialized, in the group's order. */
  private static List<ByteString> bytes(GroupResources group) {
    return Stream.of(
            group.listeners(), group.routes(), group.clusters(), group.endpoints(), group.secrets())
        .flatMap(List::stream)
        .map(r -> r.packed().getValue())
        .toList();
  }

  @Test
  void aChangedRouteChangesOnlyTheRouteVersion() {
    String input =
        GoldenFiles.read(ResolveGoldenTest.ROOT.resolve("http-route-weighted-backends/input.yaml"));
    GroupResources before = gateway(input);
    GroupResources after = gateway(input.replace("weight: 90", "weight: 50"));

    assertThat(versions(after.routes())).isNotEqualTo(versions(before.routes()));
    assertThat(versions(after.listeners())).isEqualTo(versions(before.listeners()));
    assertThat(versions(after.clusters())).isEqualTo(versions(before.clusters()));
    assertThat(versions(after.endpoints())).isEqualTo(versions(before.endpoints()));
  }

  private static GroupResources gateway(String input) {
    return Cases.translate(input).groups().stream()
        .filter(g -> g.group().startsWith("gateway/"))
        .findFirst()
        .orElseThrow();
  }
}
