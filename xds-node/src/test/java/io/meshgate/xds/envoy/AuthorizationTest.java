package io.meshgate.xds.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import io.meshgate.xds.ir.AuthorizationIr;
import io.meshgate.xds.ir.AuthorizationIr.Action;
import io.meshgate.xds.ir.AuthorizationIr.ClaimIr;
import io.meshgate.xds.ir.AuthorizationIr.ClaimType;
import io.meshgate.xds.ir.AuthorizationIr.RuleIr;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.SourceRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The one ALLOW principal that {@link Authorization} folds ordered rules into, evaluated on sample
 * requests by a small interpreter of the RBAC principals it uses: the first matching rule decides.
 */
class AuthorizationTest {
  private static final SourceRef POLICY = new SourceRef("SecurityPolicy", "default", "p", 1);

  /** A request as the RBAC filter sees it: method, path and the verified payload (or none). */
  private record Request(String method, String path, Map<String, Object> payload) {}

  private static final RuleIr NO_SUSPENDED =
      new RuleIr(
          "no-suspended",
          Action.DENY,
          List.of(new ClaimIr(List.of("status"), List.of("suspended"), ClaimType.STRING)),
          List.of(),
          List.of(),
          List.of());
  private static final RuleIr WRITERS =
      new RuleIr(
          "writers",
          Action.ALLOW,
          List.of(),
          List.of("orders:write"),
          List.of("DELETE", "POST"),
          List.of());
  private static final RuleIr READERS =
      new RuleIr(
          "readers",
          Action.ALLOW,
          List.of(),
          List.of(),
          List.of("GET"),
          List.of(new PathMatchIr.Prefix("/orders")));

  @Test
  void theFirstMatchingRuleDecidesAndTheDefaultDeniesTheRest() {
    // given deny suspended; allow writes with orders:write; allow reads under /orders
    Principal passes =
        Authorization.passes(
            new AuthorizationIr(Action.DENY, List.of(NO_SUSPENDED, WRITERS, READERS), POLICY));

    // then
    Map<String, Object> writer = Map.of("scope", List.of("orders:read", "orders:write"));
    assertThat(matches(passes, new Request("POST", "/orders", writer))).isTrue();
    assertThat(matches(passes, new Request("GET", "/orders/7", Map.of()))).isTrue();
    assertThat(matches(passes, new Request("GET", "/ordersX", Map.of()))).isFalse();
    assertThat(matches(passes, new Request("POST", "/orders", Map.of("scope", List.of("x")))))
        .isFalse();
    Map<String, Object> suspended = Map.of("status", "suspended", "scope", List.of("orders:write"));
    assertThat(matches(passes, new Request("POST", "/orders", suspended))).isFalse();
    assertThat(matches(passes, new Request("GET", "/orders", suspended))).isFalse();
    assertThat(matches(passes, new Request("PUT", "/orders", writer))).isFalse();
  }

  @Test
  void withDefaultAllowOnlyADenyRuleReachedFirstRefuses() {
    // given allow GET /orders first, then deny suspended callers; everything else allowed
    Principal passes =
        Authorization.passes(
            new AuthorizationIr(Action.ALLOW, List.of(READERS, NO_SUSPENDED), POLICY));

    // then an earlier Allow wins over a later Deny, and the default lets the rest through
    Map<String, Object> suspended = Map.of("status", "suspended");
    assertThat(matches(passes, new Request("GET", "/orders", suspended))).isTrue();
    assertThat(matches(passes, new Request("POST", "/orders", suspended))).isFalse();
    assertThat(matches(passes, new Request("POST", "/orders", Map.of()))).isTrue();
  }

  @Test
  void aDefaultDenyWithoutAllowRulesRefusesEveryone() {
    Principal passes =
        Authorization.passes(new AuthorizationIr(Action.DENY, List.of(NO_SUSPENDED), POLICY));

    assertThat(matches(passes, new Request("GET", "/", Map.of()))).isFalse();
    assertThat(matches(passes, new Request("GET", "/", Map.of("status", "active")))).isFalse();
  }

  @Test
  void aStringArrayClaimMatchesWhenItHoldsOneOfTheValues() {
    // given roles must hold admin, and the nested org.team be ops or sre
    RuleIr admins =
        new RuleIr(
            "admins",
            Action.ALLOW,
            List.of(
                new ClaimIr(List.of("roles"), List.of("admin"), ClaimType.STRING_ARRAY),
                new ClaimIr(List.of("org", "team"), List.of("ops", "sre"), ClaimType.STRING)),
            List.of(),
            List.of(),
            List.of());
    Principal passes =
        Authorization.passes(new AuthorizationIr(Action.DENY, List.of(admins), POLICY));

    // then
    Map<String, Object> sre =
        Map.of("roles", List.of("dev", "admin"), "org", Map.of("team", "sre"));
    assertThat(matches(passes, new Request("GET", "/", sre))).isTrue();
    Map<String, Object> dev = Map.of("roles", List.of("dev"), "org", Map.of("team", "sre"));
    assertThat(matches(passes, new Request("GET", "/", dev))).isFalse();
    Map<String, Object> other = Map.of("roles", List.of("admin"), "org", Map.of("team", "web"));
    assertThat(matches(passes, new Request("GET", "/", other))).isFalse();
  }

  /** The RBAC principal kinds Authorization writes, as Envoy evaluates them. */
  private static boolean matches(Principal principal, Request request) {
    switch (principal.getIdentifierCase()) {
      case ANY:
        return principal.getAny();
      case AND_IDS:
        return principal.getAndIds().getIdsList().stream().allMatch(p -> matches(p, request));
      case OR_IDS:
        return principal.getOrIds().getIdsList().stream().anyMatch(p -> matches(p, request));
      case NOT_ID:
        return !matches(principal.getNotId(), request);
      case HEADER:
        assertThat(principal.getHeader().getName()).isEqualTo(":method");
        return string(principal.getHeader().getStringMatch(), request.method());
      case URL_PATH:
        return string(principal.getUrlPath().getPath(), request.path());
      case SOURCED_METADATA:
        return metadata(principal.getSourcedMetadata().getMetadataMatcher(), request.payload());
      default:
        throw new AssertionError("not written by Authorization: " + principal);
    }
  }

  private static boolean metadata(MetadataMatcher matcher, Map<String, Object> payload) {
    assertThat(matcher.getFilter()).isEqualTo("envoy.filters.http.jwt_authn");
    assertThat(matcher.getPath(0).getKey()).isEqualTo("jwt_payload");
    Object value = payload;
    for (MetadataMatcher.PathSegment segment :
        matcher.getPathList().subList(1, matcher.getPathCount())) {
      if (!(value instanceof Map<?, ?> map) || !map.containsKey(segment.getKey())) {
        return false;
      }
      value = map.get(segment.getKey());
    }
    return value(matcher.getValue(), value);
  }

  private static boolean value(ValueMatcher matcher, Object value) {
    if (matcher.hasListMatch()) {
      return value instanceof List<?> list
          && list.stream().anyMatch(v -> value(matcher.getListMatch().getOneOf(), v));
    }
    return value instanceof String s && string(matcher.getStringMatch(), s);
  }

  private static boolean string(StringMatcher matcher, String value) {
    switch (matcher.getMatchPatternCase()) {
      case EXACT:
        return value.equals(matcher.getExact());
      case PREFIX:
        return value.startsWith(matcher.getPrefix());
      default:
        throw new AssertionError("not written by Authorization: " + matcher);
    }
  }
}
