package io.meshgate.config.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.meshgate.config.codec.YamlDocuments;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A document's violations come in one pass: the Java rules run beside the schema, on what the
 * schema left readable, and skip only what depends on a value they cannot read.
 */
class OnePassTest {
  private static List<String> violations(String yaml) {
    JsonNode document = YamlDocuments.read("-", yaml).get(0).tree();
    Validation validation = ResourceValidator.get().validate(document);
    assertThat(validation).isInstanceOf(Validation.Invalid.class);
    return ((Validation.Invalid) validation)
        .violations().stream()
            .map(v -> "[" + v.check().name().toLowerCase(java.util.Locale.ROOT) + "] " + v)
            .toList();
  }

  @Test
  void aBadWeightAndABadRegexInOneRouteAreBothReported() {
    // given: the weight is the schema's to refuse, the regex a Java rule's
    String route =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web}
        spec:
          rules:
            - matches: [{path: {type: RegularExpression, value: "/api/(?!internal).*"}}]
              backendRefs: [{name: a}, {name: b, weight: 2000000}]
        """;

    // when
    List<String> violations = violations(route);

    // then
    assertThat(violations)
        .containsExactly(
            "[schema] /spec/rules/0/backendRefs/1/weight: must be at most 1000000 (value:"
                + " 2000000)",
            "[rule] /spec/rules/0/matches/0/path/value: not a valid RE2 regular expression"
                + " (invalid or unsupported Perl syntax); RE2 has no lookaround or"
                + " backreferences (value: \"/api/(?!internal).*\")");
  }

  @Test
  void threeIndependentProblemsGiveThree() {
    // given: metadata without a name, a port out of range, and two listeners of one name
    String gateway =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {namespace: infra}
        spec:
          listeners:
            - {name: web, port: 80, protocol: HTTP}
            - {name: api, port: 70000, protocol: HTTP}
            - {name: web, port: 8080, protocol: HTTP}
        """;

    // when
    List<String> violations = violations(gateway);

    // then
    assertThat(violations)
        .containsExactly(
            "[schema] /metadata/name: is required",
            "[schema] /spec/listeners/1/port: must be at most 65535 (value: 70000)",
            "[rule] /spec/listeners/2/name: duplicate listener name (also listeners[0])"
                + " (value: \"web\")");
  }

  @Test
  void aListItemTheRulesCannotReadLeavesTheOthersCheckedAtTheirOwnIndexes() {
    // given: listeners[0] has a protocol meshgate does not know, so the rules cannot read it;
    // listeners[1] lacks its TLS settings and listeners[2] repeats its name
    String gateway =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge}
        spec:
          listeners:
            - {name: h2, port: 80, protocol: HTTP2}
            - {name: web, port: 443, protocol: HTTPS}
            - {name: web, port: 8443, protocol: HTTPS, tls: {certificateRefs: [{name: c}]}}
        """;

    // when
    List<String> violations = violations(gateway);

    // then
    assertThat(violations)
        .containsExactly(
            "[schema] /spec/listeners/0/protocol: must be one of: HTTP, HTTPS, TLS, TCP (value:"
                + " \"HTTP2\")",
            "[rule] /spec/listeners/1/tls: is required on HTTPS listeners (certificateRefs)",
            "[rule] /spec/listeners/2/name: duplicate listener name (also listeners[1]) (value:"
                + " \"web\")");
  }

  @Test
  void aValueOfTheWrongTypeSkipsTheRulesOfTheObjectThatHoldsItAndNoOthers() {
    // given: tls.mode is a number, so the rules cannot tell whether the listener terminates TLS
    // (and would need certificates); the second listener's hostname is checked all the same
    String gateway =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge}
        spec:
          listeners:
            - {name: db, port: 5432, protocol: TLS, tls: {mode: 7}}
            - {name: web, port: 80, protocol: HTTP, hostname: 10.0.0.1}
        """;

    // when
    List<String> violations = violations(gateway);

    // then
    assertThat(violations).noneMatch(v -> v.contains("certificateRefs"));
    assertThat(violations)
        .anyMatch(v -> v.startsWith("[schema] /spec/listeners/0/tls/mode: "))
        .contains(
            "[rule] /spec/listeners/1/hostname: must be a hostname, not an IP address (value:"
                + " \"10.0.0.1\")");
  }

  @Test
  void aRuleAboveARemovedValueIsSkippedForItMayMissIt() {
    // given: the only certificateRef lacks its name, so the rules see none; "at least one
    // certificate is required" would be wrong
    String gateway =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge}
        spec:
          listeners:
            - {name: web, port: 443, protocol: HTTPS, tls: {certificateRefs: [{kind: Secret}]}}
            - {name: web, port: 8443, protocol: HTTPS, tls: {certificateRefs: [{name: c}]}}
        """;

    // when
    List<String> violations = violations(gateway);

    // then
    assertThat(violations)
        .containsExactly(
            "[schema] /spec/listeners/0/tls/certificateRefs/0/name: is required",
            "[rule] /spec/listeners/1/name: duplicate listener name (also listeners[0]) (value:"
                + " \"web\")");
  }

  @Test
  void aRuleDoesNotRepeatWhatTheSchemaSaysOfTheSameValue() {
    // given: a Secret with a plaintext private key, which the plaintext check reports before
    // the schema; the rules would call it "not a certificate" too
    String secret =
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: keys}
        type: Opaque
        data:
          api.key: c2VjcmV0
          ca.crt: bm90IGEgY2VydA==
        """;

    // when
    List<String> violations = violations(secret);

    // then
    assertThat(violations).hasSize(2);
    assertThat(violations.get(0)).startsWith("[rule] /data/api.key: 'api.key' is private");
    assertThat(violations.get(1))
        .isEqualTo("[rule] /data/ca.crt: must be base64 of PEM certificates");
  }

  @Test
  void everyValueOfTheValidCasesMadeWrongIsReportedNeverThrown() {
    // given: each value of each valid document in turn removed, or replaced by one of another
    // type, out of range, or not matching its pattern; the rules then run on documents the
    // schema refused, and the applier must turn each into a rejection, never an exception
    List<JsonNode> wrongValues =
        List.of(
            TextNode.valueOf("not:valid"),
            TextNode.valueOf(""),
            IntNode.valueOf(-1),
            IntNode.valueOf(Integer.MAX_VALUE),
            BooleanNode.TRUE,
            JsonNodeFactory.instance.objectNode(),
            JsonNodeFactory.instance.arrayNode());
    int checked = 0;

    for (var document : GoldenCases.validDocuments()) {
      for (String pointer : pointers(document.tree(), "")) {
        List<JsonNode> variants = new ArrayList<>();
        variants.add(without(document.tree(), pointer));
        for (JsonNode wrong : wrongValues) {
          variants.add(replaced(document.tree(), pointer, wrong));
        }

        for (JsonNode variant : variants) {
          // when
          Validation validation = ResourceValidator.get().validate(variant);

          // then
          if (validation instanceof Validation.Invalid invalid) {
            assertThat(invalid.violations()).allMatch(v -> !v.message().isBlank());
          }
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(1000);
  }

  /** Every value below the root, as JSON pointers. */
  private static List<String> pointers(JsonNode node, String at) {
    List<String> pointers = new ArrayList<>();
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              field -> {
                String child = at + "/" + field.getKey().replace("~", "~0").replace("/", "~1");
                pointers.add(child);
                pointers.addAll(pointers(field.getValue(), child));
              });
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        pointers.add(at + "/" + i);
        pointers.addAll(pointers(node.get(i), at + "/" + i));
      }
    }
    return pointers;
  }

  private static JsonNode without(JsonNode document, String pointer) {
    JsonNode copy = document.deepCopy();
    JsonNode parent = copy.at(pointer.substring(0, pointer.lastIndexOf('/')));
    String last = unescape(pointer.substring(pointer.lastIndexOf('/') + 1));
    if (parent instanceof ObjectNode object) {
      object.remove(last);
    } else if (parent instanceof ArrayNode array) {
      array.remove(Integer.parseInt(last));
    }
    return copy;
  }

  private static JsonNode replaced(JsonNode document, String pointer, JsonNode value) {
    JsonNode copy = document.deepCopy();
    JsonNode parent = copy.at(pointer.substring(0, pointer.lastIndexOf('/')));
    String last = unescape(pointer.substring(pointer.lastIndexOf('/') + 1));
    if (parent instanceof ObjectNode object) {
      object.set(last, value);
    } else if (parent instanceof ArrayNode array) {
      array.set(Integer.parseInt(last), value);
    }
    return copy;
  }

  private static String unescape(String segment) {
    return segment.replace("~1", "/").replace("~0", "~");
  }
}
