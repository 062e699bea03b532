package io.meshgate.xds.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.ResourceKey;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.translate.Cases;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ConditionsTest {
  private static final String CONFIG =
      """
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: api}
      spec: {static: {endpoints: [{address: 10.0.0.1, port: 8080}]}}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: shop}
      spec:
        rules: [{backendRefs: [{name: api}]}]
      ---
      apiVersion: v1
      kind: Secret
      metadata: {name: opaque}
      type: Opaque
      data: {}
      """;

  @Test
  void aResourceNamedByNoProblemHasResolvedRefsTrueAndSecretsGetNone() {
    var config = Cases.snapshot(CONFIG);

    Map<ResourceKey, Conditions.Desired> desired =
        Conditions.resolvedRefs(config.resources().values(), List.of());

    assertThat(desired.keySet())
        .extracting(k -> k.kind().wireName() + "/" + k.name())
        .containsExactlyInAnyOrder("Backend/api", "HTTPRoute/shop");
    assertThat(desired.values()).allMatch(d -> d.status().equals("True"));
    assertThat(desired.values()).allMatch(d -> d.generation() == 1);
  }

  @Test
  void problemsMakeItFalseWithTheFirstReasonAndEveryPathAndMessage() {
    var config = Cases.snapshot(CONFIG);
    SourceRef shop = new SourceRef("HTTPRoute", "default", "shop", 1);
    List<Problem> problems =
        List.of(
            new Problem(
                shop,
                "/spec/rules/0/backendRefs/0",
                "backend 'cart' not found in namespace default (BackendNotFound)"),
            new Problem(shop, "/spec/rules/1", "the rule has no backendRefs; it answers 500"));

    Conditions.Desired route =
        Conditions.resolvedRefs(config.resources().values(), problems).entrySet().stream()
            .filter(e -> e.getKey().name().equals("shop"))
            .findFirst()
            .orElseThrow()
            .getValue();

    assertThat(route.status()).isEqualTo("False");
    assertThat(route.reason()).isEqualTo("BackendNotFound");
    assertThat(route.message())
        .isEqualTo(
            "/spec/rules/0/backendRefs/0: backend 'cart' not found in namespace default"
                + " (BackendNotFound); /spec/rules/1: the rule has no backendRefs; it answers 500");
  }

  @Test
  void aProblemWithoutAReasonIsInvalidAndLongListsAreCut() {
    SourceRef source = new SourceRef("HTTPRoute", "default", "shop", 3);
    List<Problem> many =
        IntStream.range(0, 11)
            .mapToObj(i -> new Problem(source, "/spec/rules/" + i, "odd"))
            .toList();

    Conditions.Desired desired = Conditions.resolvedRefs(many, 3);

    assertThat(desired.reason()).isEqualTo("Invalid");
    assertThat(desired.message()).endsWith("/spec/rules/7: odd; and 3 more");
    assertThat(desired.generation()).isEqualTo(3);
  }
}
