package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code meshgate translate}: files in, the pipeline's resources and Problems out, offline. */
class TranslateCommandTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/envoy");
  private static final String SEAL_KEY = "src/test/resources/test-keys/seal.key";

  @TempDir Path dir;

  /**
   * Whole-pipeline golden cases whose goldens do not depend on what an offline run cannot have:
   * the test mesh CA's identities (mesh and bridge cases), the test WAF module, or what OIDC
   * discovery fetched ({@code issuers.yaml}, {@code key-sets.yaml}).
   */
  static Stream<String> goldenCases() {
    return Stream.of(
        "gateway-jwt-authentication",
        "gateway-cors-and-ip-rules",
        "gateway-https-certificates-by-sni",
        "gateway-certificate-problems",
        "gateway-weighted-clusters",
        "policy-conflict-oldest-wins",
        "backend-tls-policy",
        "sidecar-inbound-and-upstreams");
  }

  @ParameterizedTest
  @MethodSource("goldenCases")
  void translatingAGoldenInputPrintsExactlyItsGoldenResourcesAndProblems(String name)
      throws Exception {
    // given
    Path input = GOLDEN.resolve(name).resolve("input.yaml");

    // when
    CliRun run = CliRun.run("translate", "-f", input.toString(), "--seal-key", SEAL_KEY);

    // then
    String problems = Files.readString(GOLDEN.resolve(name).resolve("problems.txt"));
    assertThat(run.err()).isEqualTo(problems);
    assertThat(run.exit()).isEqualTo(problems.isEmpty() ? 0 : 2);
    JsonNode printed = Mappers.yaml().readTree(run.out());
    for (String part : List.of("listeners", "routes", "clusters", "endpoints")) {
      JsonNode golden = Mappers.yaml().readTree(GOLDEN.resolve(name).resolve(part + ".yaml").toFile());
      assertThat(names(printed)).as("groups").isEqualTo(names(golden));
      for (String group : names(golden)) {
        assertThat(printed.get(group).get(part)).as("%s of %s", part, group).isEqualTo(golden.get(group));
      }
    }
    Path secrets = GOLDEN.resolve(name).resolve("secrets.yaml");
    if (Files.exists(secrets)) {
      JsonNode golden = Mappers.yaml().readTree(secrets.toFile());
      for (String group : names(golden)) {
        assertThat(secretNames(printed.get(group).get("secrets")))
            .as("secrets of %s", group)
            .isEqualTo(secretNames(golden.get(group)));
      }
    }
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<String> secretNames(JsonNode secrets) {
    List<String> names = new ArrayList<>();
    secrets.forEach(s -> names.add(s.get("name").asText()));
    return names;
  }
}
