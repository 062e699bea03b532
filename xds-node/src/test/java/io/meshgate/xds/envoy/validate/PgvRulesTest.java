package io.meshgate.xds.envoy.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Deliberately broken Envoy messages, each caught at the right path with the rule Envoy's protos
 * declare (read from the descriptors, not guessed), and valid ones that pass.
 */
class PgvRulesTest {
  private static final String ENDPOINT_PORT =
      "load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value";

  // --- Cluster ---

  @Test
  void aValidEdsClusterWithEndpointsHasNoViolation() {
    assertThat(PgvRules.report(cluster(8080).build()))
        .isEqualTo(new PgvReport(List.of(), List.of()));
  }

  @Test
  void aPortAbove65535IsCaughtAtTheEndpointsPath() {
    // given SocketAddress.port_value [(validate.rules).uint32 = {lte: 65535}]
    Cluster cluster = cluster(70000).build();

    // when
    List<PgvViolation> violations = PgvRules.check(cluster);

    // then
    assertThat(violations)
        .containsExactly(
            new PgvViolation(ENDPOINT_PORT, "uint32.lte", "70000 (expected: <= 65535)"));
  }

  @Test
  void aZeroOrNegativeConnectTimeoutBreaksDurationGt() {
    // given Cluster.connect_timeout [(validate.rules).duration = {gt {}}]
    Cluster zero = cluster(80).setConnectTimeout(Duration.getDefaultInstance()).build();
    Cluster negative =
        cluster(80).setConnectTimeout(Duration.newBuilder().setSeconds(-1).setNanos(0)).build();

    // then
    assertThat(PgvRules.check(zero))
        .containsExactly(new PgvViolation("connect_timeout", "duration.gt", "0s (expected: > 0s)"));
    assertThat(PgvRules.check(negative))
        .extracting(PgvViolation::path, PgvViolation::rule, PgvViolation::message)
        .containsExactly(tuple("connect_timeout", "duration.gt", "-1s (expected: > 0s)"));
  }

  @Test
  void anEmptyNameIsCaughtBeforeLaterFieldsInFieldNumberOrder() {
    // given an empty name (field 1, min_len 1) and a zero connect_timeout (field 4)
    Cluster cluster =
        cluster(80).setName("").setConnectTimeout(Duration.getDefaultInstance()).build();

    // then
    assertThat(PgvRules.check(cluster))
        .extracting(PgvViolation::path, PgvViolation::rule)
        .containsExactly(tuple("name", "string.min_len"), tuple("connect_timeout", "duration.gt"));
  }

  @Test
  void aWrappedWeightIsCheckedWhenSetAndSkippedWhenNot() {
    // given LbEndpoint.load_balancing_weight, a UInt32Value with {gte: 1}
    LbEndpoint zero =
        LbEndpoint.newBuilder()
            .setEndpoint(endpoint(80))
            .setLoadBalancingWeight(UInt32Value.of(0))
            .build();
    LbEndpoint unset = LbEndpoint.newBuilder().setEndpoint(endpoint(80)).build();

    // then
    assertThat(PgvRules.check(zero))
        .containsExactly(
            new PgvViolation("load_balancing_weight", "uint32.gte", "0 (expected: >= 1)"));
    assertThat(PgvRules.check(unset)).isEmpty();
  }

  @Test
  void anUndefinedEnumValueBreaksDefinedOnly() {
    Cluster cluster = cluster(80).setLbPolicyValue(99).build();

    assertThat(PgvRules.check(cluster))
        .containsExactly(
            new PgvViolation(
                "lb_policy", "enum.defined_only", "99 (expected: a value LbPolicy defines)"));
  }

  @Test
  void requiredFieldsAndTheRequiredOneofOfAHealthCheckAreReported() {
    // given a health check with nothing set
    Cluster cluster = cluster(80).addHealthChecks(HealthCheck.getDefaultInstance()).build();

    // then the oneof first (before its lowest field, 8), the others in field order
    assertThat(PgvRules.check(cluster))
        .extracting(PgvViolation::path, PgvViolation::rule)
        .containsExactly(
            tuple("health_checks[0].timeout", "duration.required"),
            tuple("health_checks[0].interval", "duration.required"),
            tuple("health_checks[0].unhealthy_threshold", "message.required"),
            tuple("health_checks[0].healthy_threshold", "message.required"),
            tuple("health_checks[0].health_checker", "oneof.required"));
  }

  @Test
  void anEmptyMetadataKeyBreaksTheMapKeyRule() {
    // given Metadata.filter_metadata [(validate.rules).map = {keys {string {min_len: 1}}}]
    Cluster cluster =
        cluster(80)
            .setMetadata(
                Metadata.newBuilder()
                    .putFilterMetadata("envoy.lb", Struct.getDefaultInstance())
                    .putFilterMetadata("", Struct.getDefaultInstance()))
            .build();

    assertThat(PgvRules.check(cluster))
        .containsExactly(
            new PgvViolation(
                "metadata.filter_metadata[\"\"]",
                "map.keys.string.min_len",
                "\"\" has 0 characters (expected: at least 1)"));
  }

  // --- RouteConfiguration ---

  @Test
  void aValidRouteConfigurationHasNoViolation() {
    // the unset oneof members' rules (RouteMatch.safe_regex is message.required) do not apply
    assertThat(PgvRules.check(routes(route()))).isEmpty();
  }

  @Test
  void aRouteWithoutActionBreaksTheRequiredOneof() {
    RouteConfiguration config = routes(route().clearRoute());

    assertThat(PgvRules.check(config))
        .containsExactly(
            new PgvViolation(
                "virtual_hosts[0].routes[0].action",
                "oneof.required",
                "none set (expected: exactly one of route, redirect, direct_response,"
                    + " filter_action, non_forwarding_action)"));
  }

  @Test
  void aHeaderNameWithANewlineBreaksTheHttpHeaderNameRule() {
    // given HeaderMatcher.name {min_len: 1, well_known_regex: HTTP_HEADER_NAME, strict: false}
    Route.Builder route =
        route()
            .setMatch(
                RouteMatch.newBuilder()
                    .setPrefix("/")
                    .addHeaders(
                        HeaderMatcher.newBuilder().setName("x-a\nb").setPresentMatch(true)));

    assertThat(PgvRules.check(routes(route)))
        .containsExactly(
            new PgvViolation(
                "virtual_hosts[0].routes[0].match.headers[0].name",
                "string.well_known_regex",
                "\"x-a\\nb\" (expected: an HTTP header name without NUL, CR or LF)"));
  }

  @Test
  void repeatedRulesApplyToTheListAndToEachItem() {
    // given VirtualHost.domains {min_items: 1, items {string {well_known_regex:
    // HTTP_HEADER_VALUE}}}
    RouteConfiguration noDomains =
        RouteConfiguration.newBuilder()
            .addVirtualHosts(VirtualHost.newBuilder().setName("vh").addRoutes(route()))
            .build();
    RouteConfiguration badDomain =
        RouteConfiguration.newBuilder()
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("vh")
                    .addDomains("example.com")
                    .addDomains("evil\r\n.com")
                    .addRoutes(route()))
            .build();

    assertThat(PgvRules.check(noDomains))
        .containsExactly(
            new PgvViolation(
                "virtual_hosts[0].domains",
                "repeated.min_items",
                "0 items (expected: at least 1)"));
    assertThat(PgvRules.check(badDomain))
        .extracting(PgvViolation::path, PgvViolation::rule)
        .containsExactly(tuple("virtual_hosts[0].domains[1]", "string.well_known_regex"));
  }

  @Test
  void aPatternRuleIsMatchedWithRe2() {
    // given RouteMatch.path_separated_prefix {pattern: "^[^?#]+[^?#/]$"}
    Route.Builder trailingSlash =
        route().setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix("/api/"));
    Route.Builder fine = route().setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix("/api"));

    assertThat(PgvRules.check(routes(trailingSlash)))
        .containsExactly(
            new PgvViolation(
                "virtual_hosts[0].routes[0].match.path_separated_prefix",
                "string.pattern",
                "\"/api/\" (expected: to match /^[^?#]+[^?#/]$/)"));
    assertThat(PgvRules.check(routes(fine))).isEmpty();
  }

  @Test
  void aLongValueIsShownAsABoundedPrefix() {
    // given HeaderValue.value {max_bytes: 16384}
    HeaderValue header =
        HeaderValue.newBuilder().setKey("x-big").setValue("v".repeat(20_000)).build();

    List<PgvViolation> violations = PgvRules.check(header);

    assertThat(violations)
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.rule()).isEqualTo("string.max_bytes");
              assertThat(v.message())
                  .startsWith("\"" + "v".repeat(Shown.MAX_CHARS) + "\"... (20000 chars)")
                  .endsWith("has 20000 bytes (expected: at most 16384)")
                  .hasSizeLessThan(200);
            });
  }

  // --- HTTP filter config, through the Listener's Any ---

  @Test
  void aValidListenerWithAConnectionManagerHasNoViolationAndNoUncheckedType() {
    assertThat(PgvRules.report(listener(connectionManager().build())))
        .isEqualTo(new PgvReport(List.of(), List.of()));
  }

  @Test
  void anInvalidConnectionManagerIsFoundThroughTheAny() {
    // given a connection manager with no stat_prefix (min_len 1) and a filter with an empty name
    HttpConnectionManager manager =
        connectionManager()
            .setStatPrefix("")
            .addHttpFilters(0, HttpFilter.newBuilder().setName(""))
            .build();

    // then
    assertThat(PgvRules.check(listener(manager)))
        .extracting(PgvViolation::path, PgvViolation::rule)
        .containsExactly(
            tuple("filter_chains[0].filters[0].typed_config.stat_prefix", "string.min_len"),
            tuple(
                "filter_chains[0].filters[0].typed_config.http_filters[0].name", "string.min_len"));
  }

  @Test
  void aMissingRouteSpecifierIsFoundThroughTheAny() {
    HttpConnectionManager manager = connectionManager().clearRds().build();

    assertThat(PgvRules.check(listener(manager)))
        .extracting(PgvViolation::path, PgvViolation::rule)
        .containsExactly(
            tuple("filter_chains[0].filters[0].typed_config.route_specifier", "oneof.required"));
  }

  @Test
  void anyContentInsideAMapOfAnysIsChecked() {
    // given an RBAC HTTP filter config whose policy has no permissions (min_items 1), and a
    // Permission.any set to false (bool {const: true})
    RBAC rbac =
        RBAC.newBuilder()
            .setRules(
                io.envoyproxy
                    .envoy
                    .config
                    .rbac
                    .v3
                    .RBAC
                    .newBuilder()
                    .putPolicies(
                        "p",
                        Policy.newBuilder()
                            .addPrincipals(Principal.newBuilder().setAny(true))
                            .build())
                    .putPolicies(
                        "q",
                        Policy.newBuilder()
                            .addPermissions(Permission.newBuilder().setAny(false))
                            .addPrincipals(Principal.newBuilder().setAny(true))
                            .build()))
            .build();
    HttpConnectionManager manager =
        connectionManager()
            .addHttpFilters(
                0,
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.rbac")
                    .setTypedConfig(Any.pack(rbac)))
            .build();

    assertThat(PgvRules.check(listener(manager)))
        .extracting(PgvViolation::path, PgvViolation::rule)
        .containsExactly(
            tuple(
                "filter_chains[0].filters[0].typed_config.http_filters[0].typed_config"
                    + ".rules.policies[\"p\"].permissions",
                "repeated.min_items"),
            tuple(
                "filter_chains[0].filters[0].typed_config.http_filters[0].typed_config"
                    + ".rules.policies[\"q\"].permissions[0].any",
                "bool.const"));
  }

  @Test
  void anAnyOfATypeTheRegistryDoesNotKnowIsCountedNotReported() {
    Any unknown =
        Any.newBuilder()
            .setTypeUrl("type.googleapis.com/example.Unknown")
            .setValue(ByteString.copyFromUtf8("anything"))
            .build();
    Listener listener =
        listener(connectionManager().build()).toBuilder()
            .addListenerFilters(ListenerFilter.newBuilder().setName("x").setTypedConfig(unknown))
            .build();

    assertThat(PgvRules.report(listener))
        .isEqualTo(new PgvReport(List.of(), List.of("type.googleapis.com/example.Unknown")));
  }

  @Test
  void anAnyWhoseBytesDoNotParseIsReported() {
    Any broken =
        Any.newBuilder()
            .setTypeUrl("type.googleapis.com/" + Router.getDescriptor().getFullName())
            .setValue(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff}))
            .build();
    HttpConnectionManager manager =
        connectionManager()
            .setHttpFilters(0, HttpFilter.newBuilder().setName("router").setTypedConfig(broken))
            .build();

    assertThat(PgvRules.check(listener(manager)))
        .extracting(PgvViolation::path, PgvViolation::rule)
        .containsExactly(
            tuple(
                "filter_chains[0].filters[0].typed_config.http_filters[0].typed_config",
                "any.value"));
  }

  // --- cross-cutting ---

  @Test
  void valuesUnderASensitiveFieldAreNeverShown() {
    // given TlsCertificate.private_key (udpa sensitive) whose DataSource breaks a rule
    Secret secret =
        Secret.newBuilder()
            .setName("s")
            .setTlsCertificate(
                TlsCertificate.newBuilder()
                    .setPrivateKey(DataSource.newBuilder().setEnvironmentVariable("")))
            .build();

    assertThat(PgvRules.check(secret))
        .containsExactly(
            new PgvViolation(
                "tls_certificate.private_key.environment_variable",
                "string.min_len",
                Shown.HIDDEN + " has 0 characters (expected: at least 1)"));
  }

  @Test
  void nestingDeeperThanTheLimitIsReportedOnce() {
    // given an RBAC permission (a required oneof at every level) nested far deeper than any config
    Permission permission = Permission.newBuilder().setAny(true).build();
    for (int i = 0; i <= Walk.MAX_DEPTH / 2; i++) {
      permission =
          Permission.newBuilder()
              .setAndRules(Permission.Set.newBuilder().addRules(permission))
              .build();
    }

    assertThat(PgvRules.check(permission))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.rule()).isEqualTo("depth");
              assertThat(v.path()).startsWith("and_rules.rules[0].and_rules.rules[0]");
            });
  }

  @Test
  void aTypeWithNoRuleAnywhereInsideIsNotWalked() {
    // given a google.protobuf.Value nested far deeper than the depth limit: no rule can break in it
    Value value = Value.newBuilder().setStringValue("leaf").build();
    for (int i = 0; i < Walk.MAX_DEPTH; i++) {
      value = Value.newBuilder().setListValue(ListValue.newBuilder().addValues(value)).build();
    }

    assertThat(PgvRules.check(value)).isEmpty();
    assertThat(MessagePlan.checked(Value.getDescriptor())).isFalse();
    assertThat(MessagePlan.checked(Permission.getDescriptor())).isTrue();
  }

  @Test
  void aCheckIsRepeatable() {
    Cluster cluster = cluster(70000).setName("").build();

    assertThat(PgvRules.check(cluster)).hasSize(2).isEqualTo(PgvRules.check(cluster));
  }

  // --- fixtures: small, valid Envoy messages ---

  private static Cluster.Builder cluster(int port) {
    return Cluster.newBuilder()
        .setName("default/api")
        .setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Duration.newBuilder().setSeconds(1))
        .setLoadAssignment(
            ClusterLoadAssignment.newBuilder()
                .setClusterName("default/api")
                .addEndpoints(
                    LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(endpoint(port)))));
  }

  private static Endpoint endpoint(int port) {
    return Endpoint.newBuilder()
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder().setAddress("10.0.0.1").setPortValue(port)))
        .build();
  }

  private static Route.Builder route() {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(RouteAction.newBuilder().setCluster("default/api"));
  }

  private static RouteConfiguration routes(Route.Builder route) {
    return RouteConfiguration.newBuilder()
        .setName("http-80")
        .addVirtualHosts(VirtualHost.newBuilder().setName("vh").addDomains("*").addRoutes(route))
        .build();
  }

  private static HttpConnectionManager.Builder connectionManager() {
    return HttpConnectionManager.newBuilder()
        .setStatPrefix("http-80")
        .setRds(
            Rds.newBuilder()
                .setRouteConfigName("http-80")
                .setConfigSource(
                    ConfigSource.newBuilder()
                        .setAds(AggregatedConfigSource.getDefaultInstance())
                        .setResourceApiVersion(ApiVersion.V3)))
        .addHttpFilters(
            HttpFilter.newBuilder()
                .setName("envoy.filters.http.router")
                .setTypedConfig(Any.pack(Router.getDefaultInstance())));
  }

  private static Listener listener(HttpConnectionManager manager) {
    return Listener.newBuilder()
        .setName("http-80")
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(80)))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(manager))))
        .build();
  }
}
