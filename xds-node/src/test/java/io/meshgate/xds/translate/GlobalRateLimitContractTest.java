package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.meshgate.edge.ratelimit.Entry;
import io.meshgate.edge.ratelimit.Limit;
import io.meshgate.edge.ratelimit.RateLimitConfig;
import io.meshgate.edge.ratelimit.Unit;
import io.meshgate.xds.edge.RateLimitRules;
import io.meshgate.xds.ir.GlobalRateLimitIr;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What Envoy asks and what meshgate's rate limit service knows come from one IR: the descriptors
 * Envoy's rate limit actions make of a request (computed here from the translated routes, as Envoy
 * computes them) are each found by the service's rules, with the limit the policy sets.
 */
class GlobalRateLimitContractTest {
  private static final Path CASE =
      Path.of("src/test/resources/golden/envoy/gateway-global-rate-limits");

  private static List<Route> routes;
  private static RateLimitConfig service;

  /** A request as the actions read it. */
  private record Request(
      String path, Map<String, String> headers, String clientIp, Map<String, String> claims) {}

  private static final Request FREE_PLAN_SEARCH =
      new Request(
          "/search?q=shoes",
          Map.of("x-tenant", "acme", "x-plan", "free"),
          "203.0.113.7",
          Map.of("sub", "alice"));

  @BeforeAll
  static void translate() {
    Cases.Translated translated = Cases.translateCase(CASE);
    routes = EdgeGateway.routes(EdgeGateway.of(translated));
    service = RateLimitRules.of(translated.ir());
  }

  @Test
  void everyDescriptorEnvoyMakesIsKnownToTheServiceWithThePolicysLimit() {
    int checked = 0;
    for (Route route : routes) {
      for (RateLimit limit : route.getRoute().getRateLimitsList()) {
        Optional<List<Entry>> descriptor = descriptor(limit, route.getName(), FREE_PLAN_SEARCH);
        if (descriptor.isEmpty()) {
          continue;
        }
        assertThat(service.find(GlobalRateLimitIr.DOMAIN, descriptor.get()))
            .as("route %s, descriptor %s", route.getName(), descriptor.get())
            .isPresent();
        checked++;
      }
    }
    // shop's two routes: per tenant, free plan per user, per network; blog: per client and route,
    // and the /search rule.
    assertThat(checked).isEqualTo(8);
  }

  @Test
  void theServiceAnswersEachRuleWithItsOwnLimitFailureModeAndEnforcement() {
    Route catalog = route("httproute/default/shop/rule/0/match/0");
    List<Optional<Limit>> limits =
        catalog.getRoute().getRateLimitsList().stream()
            .map(l -> descriptor(l, catalog.getName(), FREE_PLAN_SEARCH).orElseThrow())
            .map(d -> service.find(GlobalRateLimitIr.DOMAIN, d))
            .toList();
    assertThat(limits)
        .containsExactly(
            Optional.of(Limit.of(10_000, Unit.HOUR).failClosed()),
            Optional.of(Limit.of(1_000, Unit.DAY).failClosed()),
            Optional.of(Limit.of(50, Unit.SECOND).failClosed().shadow()));
  }

  @Test
  void aRequestAnActionCannotReadIsNotCountedByThatRule() {
    Route catalog = route("httproute/default/shop/rule/0/match/0");
    Request paidPlanWithoutTenant =
        new Request("/shop", Map.of("x-plan", "gold"), "203.0.113.7", Map.of("sub", "bob"));
    List<Optional<List<Entry>>> descriptors =
        catalog.getRoute().getRateLimitsList().stream()
            .map(l -> descriptor(l, catalog.getName(), paidPlanWithoutTenant))
            .toList();
    assertThat(descriptors.get(0)).as("no x-tenant header").isEmpty();
    assertThat(descriptors.get(1)).as("not the free plan").isEmpty();
    assertThat(descriptors.get(2)).isPresent();
  }

  @Test
  void aRuleCountingPerRouteGivesEachRouteItsOwnCounterUnderOneServiceRule() {
    Route blog = route("httproute/default/blog/rule/0/match/0");
    List<Entry> descriptor =
        descriptor(blog.getRoute().getRateLimits(0), blog.getName(), FREE_PLAN_SEARCH)
            .orElseThrow();
    assertThat(descriptor)
        .containsExactly(
            new Entry("meshgate_rule", "default/edge-limits/per-client-per-route"),
            new Entry("remote_address", "203.0.113.7"),
            new Entry("route", "httproute/default/blog/rule/0/match/0"));
    List<Entry> otherRoute = new ArrayList<>(descriptor.subList(0, 2));
    otherRoute.add(new Entry("route", "httproute/default/other/rule/0/match/0"));
    assertThat(service.find(GlobalRateLimitIr.DOMAIN, otherRoute))
        .contains(Limit.of(600, Unit.MINUTE));
  }

  @Test
  void aDescriptorOfAnUnknownRuleHasNoLimit() {
    assertThat(
            service.find(
                GlobalRateLimitIr.DOMAIN,
                List.of(
                    new Entry("meshgate_rule", "default/edge-limits/gone"),
                    new Entry("remote_address", "203.0.113.7"))))
        .isEmpty();
  }

  private static Route route(String name) {
    return routes.stream().filter(r -> r.getName().equals(name)).findFirst().orElseThrow();
  }

  /** The descriptor Envoy makes of a request for one rate limit; empty when an action skips it. */
  private static Optional<List<Entry>> descriptor(RateLimit limit, String routeName, Request r) {
    List<Entry> entries = new ArrayList<>();
    for (RateLimit.Action action : limit.getActionsList()) {
      switch (action.getActionSpecifierCase()) {
        case GENERIC_KEY -> {
          var key = action.getGenericKey();
          entries.add(
              new Entry(
                  key.getDescriptorKey().isEmpty() ? "generic_key" : key.getDescriptorKey(),
                  key.getDescriptorValue()));
        }
        case REMOTE_ADDRESS -> entries.add(new Entry("remote_address", r.clientIp()));
        case MASKED_REMOTE_ADDRESS -> {
          int bits = action.getMaskedRemoteAddress().getV4PrefixMaskLen().getValue();
          entries.add(new Entry("masked_remote_address", maskV4(r.clientIp(), bits)));
        }
        case REQUEST_HEADERS -> {
          String value = r.headers().get(action.getRequestHeaders().getHeaderName());
          if (value == null) {
            return Optional.empty();
          }
          entries.add(new Entry(action.getRequestHeaders().getDescriptorKey(), value));
        }
        case HEADER_VALUE_MATCH -> {
          var match = action.getHeaderValueMatch();
          for (HeaderMatcher header : match.getHeadersList()) {
            String value =
                header.getName().equals(":path") ? r.path() : r.headers().get(header.getName());
            if (value == null || !matches(header, value)) {
              return Optional.empty();
            }
          }
          entries.add(new Entry(match.getDescriptorKey(), match.getDescriptorValue()));
        }
        case METADATA -> {
          var metadata = action.getMetadata();
          String claim = metadata.getMetadataKey().getPath(1).getKey();
          String value = r.claims().get(claim);
          if (value == null) {
            return Optional.empty();
          }
          entries.add(new Entry(metadata.getDescriptorKey(), value));
        }
        default -> throw new AssertionError("an action meshgate does not make: " + action);
      }
    }
    // The route name stands in for the route a request matched.
    assertThat(routeName).isNotEmpty();
    return Optional.of(entries);
  }

  private static boolean matches(HeaderMatcher header, String value) {
    var match = header.getStringMatch();
    return match.hasSafeRegex()
        ? Pattern.compile(match.getSafeRegex().getRegex()).matcher(value).matches()
        : value.equals(match.getExact());
  }

  private static String maskV4(String ip, int bits) {
    String[] parts = ip.split("\\.");
    long address = 0;
    for (String part : parts) {
      address = address << 8 | Integer.parseInt(part);
    }
    long masked = bits == 0 ? 0 : address & (0xFFFF_FFFFL << (32 - bits)) & 0xFFFF_FFFFL;
    return (masked >> 24 & 255)
        + "."
        + (masked >> 16 & 255)
        + "."
        + (masked >> 8 & 255)
        + "."
        + (masked & 255)
        + "/"
        + bits;
  }
}
