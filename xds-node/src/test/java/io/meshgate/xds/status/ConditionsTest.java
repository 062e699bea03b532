package io.meshgate.xds.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.translate.Cases;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    assertThat(desired.values()).allMatch(d -> d.status() == ConditionStatus.TRUE);
    assertThat(desired.values()).allMatch(d -> d.generation() == 1);
  }

  @Test
  void problemsMakeItFalseWithTheFirstReasonAndEveryPathAndMessage() {
    var config = Cases.snapshot(CONFIG);
    SourceRef shop = new SourceRef("HTTPRoute", "default", "shop", 1);
    List<Problem> problems =
        List.of(
            Problem.of(
                shop,
                "/spec/rules/0/backendRefs/0",
                ProblemReason.BACKEND_NOT_FOUND,
                "backend 'cart' not found in namespace default"),
            Problem.of(
                shop,
                "/spec/rules/1",
                ProblemReason.INVALID,
                "the rule has no backendRefs; it answers 500"));

    Conditions.Desired route =
        Conditions.resolvedRefs(config.resources().values(), problems).entrySet().stream()
            .filter(e -> e.getKey().name().equals("shop"))
            .findFirst()
            .orElseThrow()
            .getValue();

    assertThat(route.status()).isEqualTo(ConditionStatus.FALSE);
    assertThat(route.reason()).isEqualTo("BackendNotFound");
    assertThat(route.message())
        .isEqualTo(
            "/spec/rules/0/backendRefs/0: backend 'cart' not found in namespace default"
                + " (BackendNotFound); /spec/rules/1: the rule has no backendRefs; it answers 500");
  }

  @Test
  void aProblemWithNoSpecificReasonIsInvalidAndLongListsAreCut() {
    SourceRef source = new SourceRef("HTTPRoute", "default", "shop", 3);
    List<Problem> many =
        IntStream.range(0, 11)
            .mapToObj(i -> Problem.of(source, "/spec/rules/" + i, ProblemReason.INVALID, "odd"))
            .toList();

    Conditions.Desired desired = Conditions.resolvedRefs(many, 3);

    assertThat(desired.reason()).isEqualTo("Invalid");
    assertThat(desired.message()).endsWith("/spec/rules/7: odd; and 3 more");
    assertThat(desired.generation()).isEqualTo(3);
  }

  @Test
  void aRejectingProxysErrorDetailIsCutTo1KiBInProgrammed() {
    // given: a proxy that rejected the current config with 20 KiB of detail (an older replica's
    // summary, not cut yet)
    Conditions.ProxyAck proxy =
        new Conditions.ProxyAck(
            "r1",
            "gateway/shop/edge",
            "edge-2",
            AckState.REJECTED,
            10,
            "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
            "ü".repeat(10_240),
            1);
    Conditions.Fleet fleet =
        new Conditions.Fleet(Map.of("r1", 30L), Map.of("gateway/shop/edge", List.of(proxy)));

    // when
    Conditions.Desired programmed =
        Conditions.programmed(Set.of("gateway/shop/edge"), List.of(proxy), fleet, 20, 2);

    // then
    assertThat(programmed.reason()).isEqualTo("Invalid");
    String prefix = "proxy edge-2 of gateway/shop/edge (replica r1) rejected RouteConfiguration: ";
    assertThat(programmed.message()).startsWith(prefix).endsWith("… (cut, 20480 bytes)");
    assertThat(programmed.message().substring(prefix.length()).getBytes(StandardCharsets.UTF_8))
        .hasSizeLessThanOrEqualTo(1024);
  }

  @Test
  void aBackendWhoseSourceDoesNotAnswerIsEndpointsStaleWithTheSourceSinceWhenAndWhy() {
    var config = Cases.snapshot(CONFIG);
    ResourceKey api = new ResourceKey(Kind.BACKEND, "default", "api");
    ResourceKey shop = new ResourceKey(Kind.HTTP_ROUTE, "default", "shop");
    Instant since = Instant.parse("2026-12-06T10:00:00.250Z");

    Map<ResourceKey, Conditions.Desired> stale =
        Conditions.endpointsStale(
            config.resources().values(),
            Map.of(
                api,
                new Conditions.Freshness("consul/dc1/api", since, "Connection refused"),
                shop,
                new Conditions.Freshness("consul/dc1/api", since, "not a Backend")));
    Map<ResourceKey, Conditions.Desired> answering =
        Conditions.endpointsStale(
            config.resources().values(),
            Map.of(api, new Conditions.Freshness("consul/dc1/api", null, null)));

    assertThat(stale).containsOnlyKeys(api);
    assertThat(stale.get(api).status()).isEqualTo(ConditionStatus.TRUE);
    assertThat(stale.get(api).reason()).isEqualTo("SourceUnavailable");
    assertThat(stale.get(api).message())
        .isEqualTo(
            "consul/dc1/api has not answered since 2026-12-06T10:00:00Z; its last endpoints are"
                + " served: Connection refused");
    assertThat(answering.get(api).status()).isEqualTo(ConditionStatus.FALSE);
    assertThat(answering.get(api).reason()).isEqualTo("SourceAnswering");
    assertThat(Conditions.endpointsStale(config.resources().values(), Map.of())).isEmpty();
  }
}
