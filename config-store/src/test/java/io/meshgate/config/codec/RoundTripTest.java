package io.meshgate.config.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.testkit.GoldenFiles;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every kind survives YAML → model → JSON → model, and JSON is canonical. */
class RoundTripTest {
  private static final Path VALID = Path.of("src/test/resources/golden/validate");

  private static List<Resource> validResources() {
    return GoldenFiles.cases(VALID).stream()
        .filter(c -> c.getFileName().toString().startsWith("valid-"))
        .flatMap(
            c ->
                YamlDocuments.read("input.yaml", GoldenFiles.read(c.resolve("input.yaml")))
                    .stream())
        .map(d -> ((Validation.Valid) ResourceValidator.get().validate(d.tree())).resource())
        .toList();
  }

  @Test
  void theValidCasesCoverEveryKind() {
    Set<Kind> kinds = EnumSet.noneOf(Kind.class);
    validResources().forEach(r -> kinds.add(r.kind()));

    assertThat(kinds).containsExactlyInAnyOrder(Kind.values());
  }

  @Test
  void everyKindRoundTripsThroughJsonAndYaml() throws Exception {
    for (Resource resource : validResources()) {
      // YAML → model (above) → JSON → model
      byte[] json = ResourceCodec.toJson(resource);
      Resource fromJson = ResourceCodec.fromTree(ResourceCodec.parseJson(json));
      assertThat(fromJson).as("JSON round trip of %s", resource.key()).isEqualTo(resource);

      // model → YAML → model
      String yaml = ResourceCodec.toYaml(resource);
      JsonNode reread = YamlDocuments.read("-", yaml).get(0).tree();
      assertThat(ResourceCodec.fromTree(reread))
          .as("YAML round trip of %s", resource.key())
          .isEqualTo(resource);

      // and the re-encoded bytes are the same bytes
      assertThat(ResourceCodec.toJson(fromJson)).isEqualTo(json);
    }
  }

  @Test
  void theSameIntentInAnotherSpellingEncodesToTheSameBytes() {
    // given: defaults written out vs left out, labels and fields in another order
    String terse =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, labels: {b: "2", a: "1"}}
        spec:
          rules: [{backendRefs: [{name: api}], matches: [{path: {value: /}}]}]
        """;
    String explicit =
        """
        kind: HTTPRoute
        apiVersion: gateway.networking.k8s.io/v1
        metadata: {labels: {a: "1", b: "2"}, namespace: default, name: web}
        spec:
          hostnames: []
          rules:
            - matches: [{path: {type: PathPrefix, value: /}}]
              backendRefs: [{group: "", kind: Service, name: api, weight: 1}]
        """;

    // when
    byte[] a = encode(terse);
    byte[] b = encode(explicit);

    // then
    assertThat(new String(a)).isEqualTo(new String(b));
  }

  @Test
  void secretsKeepKubernetesShapeOnTheWire() throws Exception {
    Resource secret =
        validResources().stream().filter(r -> r.kind() == Kind.SECRET).findFirst().orElseThrow();

    JsonNode tree = ResourceCodec.parseJson(ResourceCodec.toJson(secret));

    assertThat(tree.has("spec")).isFalse();
    assertThat(tree.path("type").asText()).isEqualTo("kubernetes.io/tls");
    assertThat(tree.path("data").has("tls.crt")).isTrue();
    assertThat(tree.path("sealed").path("data").has("tls.key")).isTrue();
  }

  private static byte[] encode(String yaml) {
    JsonNode tree = YamlDocuments.read("-", yaml).get(0).tree();
    Validation validation = ResourceValidator.get().validate(tree);
    assertThat(validation).isInstanceOf(Validation.Valid.class);
    return ResourceCodec.toJson(((Validation.Valid) validation).resource());
  }
}
