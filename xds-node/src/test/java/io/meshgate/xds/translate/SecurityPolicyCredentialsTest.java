package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.Credential;
import io.envoyproxy.envoy.extensions.filters.http.basic_auth.v3.BasicAuth;
import io.envoyproxy.envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshgate.config.model.SealedData;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.ir.IrYaml;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.pipeline.Inputs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * SecurityPolicy apiKeyAuth and basicAuth through the production entry: which credentials a route
 * carries, what fails closed, and the bounds (gateway-api-keys-and-basic-auth shows the whole
 * output). Secrets are sealed here for the test seal key, as {@code meshgate seal} would.
 */
class SecurityPolicyCredentialsTest {
  private static final Sealer SEALER = sealer();

  private static Sealer sealer() {
    try {
      return new Sealer(SealKeys.readPublic(Path.of(Cases.TEST_KEYS, "seal.pub")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A Gateway, a Backend and {@code routes} HTTPRoutes route-0, route-1, ... */
  private static String gatewayAndRoutes(int routes) {
    StringBuilder yaml =
        new StringBuilder(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge}
            spec:
              listeners: [{name: web, port: 80, protocol: HTTP}]
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: app}
            spec:
              static: {endpoints: [{address: 10.0.0.1, port: 8080}]}
            """);
    for (int i = 0; i < routes; i++) {
      yaml.append(
          """
          ---
          apiVersion: gateway.networking.k8s.io/v1
          kind: HTTPRoute
          metadata: {name: route-%d}
          spec:
            parentRefs: [{name: edge}]
            rules:
              - matches: [{path: {type: PathPrefix, value: /r%d}}]
                backendRefs: [{name: app}]
          """
              .formatted(i, i));
    }
    return yaml.toString();
  }

  private static final String API_KEYS_ON_THE_GATEWAY =
      """
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: keys}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
        apiKeyAuth:
          header: x-api-key
          credentials: [{name: clients}]
      """;

  private static final String BASIC_AUTH_ON_THE_GATEWAY =
      """
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: users}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
        basicAuth:
          users: {name: users}
      """;

  /** An Opaque Secret in namespace default, its values sealed for the test seal key. */
  private static String sealedSecret(String name, Map<String, String> values) {
    Map<String, byte[]> bytes = new LinkedHashMap<>();
    values.forEach((k, v) -> bytes.put(k, v.getBytes(StandardCharsets.UTF_8)));
    SealedData sealed = SEALER.seal("default", name, bytes);
    StringBuilder yaml =
        new StringBuilder(
            """
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: %s}
            type: Opaque
            sealed:
              algorithm: %s
              keyId: %s
              wrappedKey: %s
              data:
            """
                .formatted(name, sealed.algorithm(), sealed.keyId(), sealed.wrappedKey()));
    sealed
        .data()
        .forEach((k, v) -> yaml.append("    \"").append(k).append("\": ").append(v).append('\n'));
    return yaml.toString();
  }

  /** The {SHA} htpasswd hash of a password, as {@code htpasswd -s} writes it. */
  private static String sha(String password) {
    try {
      return "{SHA}"
          + Base64.getEncoder()
              .encodeToString(
                  MessageDigest.getInstance("SHA-1")
                      .digest(password.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> messages(ResolvedIr ir) {
    return ir.problems().stream().map(p -> p.path() + ": " + p.message()).toList();
  }

  @Test
  void eachKeyOfTheSecretIsOneClientOfTheRoutesItGoverns() throws Exception {
    // given
    String yaml =
        gatewayAndRoutes(1)
            + API_KEYS_ON_THE_GATEWAY
            + sealedSecret("clients", Map.of("acme", "key-of-acme-1", "globex", "key-of-globex-2"));

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then the route enables api_key_auth with both clients, read from the x-api-key header
    ApiKeyAuthPerRoute config =
        EdgeGateway.routes(group)
            .get(0)
            .getTypedPerFilterConfigOrThrow("envoy.filters.http.api_key_auth")
            .unpack(ApiKeyAuthPerRoute.class);
    assertThat(config.getCredentialsList())
        .extracting(Credential::getClient, Credential::getKey)
        .containsExactly(tuple("acme", "key-of-acme-1"), tuple("globex", "key-of-globex-2"));
    assertThat(config.getKeySources(0).getHeader()).isEqualTo("x-api-key");
    // and both filters are in the chain, disabled, after the address rules and before JWT
    List<HttpFilter> filters = EdgeGateway.httpFilters(group);
    assertThat(filters.stream().map(HttpFilter::getName).toList())
        .containsSubsequence(
            "meshgate.ip_access",
            "envoy.filters.http.api_key_auth",
            "envoy.filters.http.basic_auth")
        .doesNotContain("envoy.filters.http.jwt_authn");
    assertThat(filters.stream().filter(HttpFilter::getDisabled).map(HttpFilter::getName).toList())
        .containsExactly("envoy.filters.http.api_key_auth", "envoy.filters.http.basic_auth");
  }

  @Test
  void theBasicAuthFilterHasAUserEnvoyAcceptsAndNoPasswordMatches() throws Exception {
    // when: a Gateway without any policy
    GroupResources group = EdgeGateway.of(Cases.translate(gatewayAndRoutes(1)));

    // then Envoy gets non-empty users (it refuses an empty filter-level DataSource), whose one
    // {SHA} hash holds a character base64 never writes
    BasicAuth filter =
        EdgeGateway.httpFilters(group).stream()
            .filter(f -> f.getName().equals("envoy.filters.http.basic_auth"))
            .findFirst()
            .orElseThrow()
            .getTypedConfig()
            .unpack(BasicAuth.class);
    String line = filter.getUsers().getInlineString();
    String hash = line.substring(line.indexOf(":{SHA}") + 6);
    assertThat(hash).hasSize(28).contains("*");
    assertThat(filter.getForwardUsernameHeader()).isEqualTo("x-meshgate-client");
    assertThat(EdgeGateway.routes(group).get(0).getTypedPerFilterConfigMap())
        .doesNotContainKeys("envoy.filters.http.api_key_auth", "envoy.filters.http.basic_auth");
  }

  @Test
  void theClientHeaderReachesAnUpstreamOnlyFromBasicAuth() throws Exception {
    // given: basic auth on route-0 only; route-1 has no policy
    String yaml =
        gatewayAndRoutes(2)
            + BASIC_AUTH_ON_THE_GATEWAY.replace(
                "kind: Gateway, name: edge", "kind: HTTPRoute, name: route-0")
            + sealedSecret("users", Map.of(".htpasswd", "alice:" + sha("pw")));

    // when
    List<Route> routes = EdgeGateway.routes(EdgeGateway.of(Cases.translate(yaml)));

    // then: where basic auth writes the header, the route keeps it; elsewhere a client-sent copy
    // is removed before the request goes upstream
    Route withBasicAuth =
        routes.stream().filter(r -> r.getName().contains("route-0")).findFirst().orElseThrow();
    Route without =
        routes.stream().filter(r -> r.getName().contains("route-1")).findFirst().orElseThrow();
    assertThat(withBasicAuth.getTypedPerFilterConfigMap())
        .containsKey("envoy.filters.http.basic_auth");
    assertThat(withBasicAuth.getRequestHeadersToRemoveList()).doesNotContain("x-meshgate-client");
    assertThat(without.getRequestHeadersToRemoveList()).contains("x-meshgate-client");
  }

  @Test
  void htpasswdLinesInOtherFormsAreProblemsNamingTheLineAndUserButNeverTheHash() throws Exception {
    // given
    String bcrypt = "$2y$05$abcdefghijklmnopqrstuuQ1Jx0Yq3m9Zr7Vt2Wn5Pb8Cd4Ef6Gh";
    String md5 = "$apr1$salty$0123456789abcdefghijk1";
    String yaml =
        gatewayAndRoutes(1)
            + BASIC_AUTH_ON_THE_GATEWAY
            + sealedSecret(
                "users",
                Map.of(
                    ".htpasswd",
                    "# staff\nalice:"
                        + sha("a")
                        + "\nbob:"
                        + bcrypt
                        + "\ncarol:"
                        + md5
                        + "\ndan:plain-password\nerin:{SHA}short\nalice:"
                        + sha("b")
                        + "\n"));

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then
    assertThat(messages(translated.ir()))
        .allMatch(m -> m.startsWith("/spec/basicAuth/users: Secret default/users '.htpasswd' "))
        .anyMatch(m -> m.contains("line 3 (user 'bob'): a bcrypt hash"))
        .anyMatch(m -> m.contains("line 4 (user 'carol'): an MD5 (apr1) hash"))
        .anyMatch(m -> m.contains("line 5 (user 'dan'): not a hash Envoy knows"))
        .anyMatch(m -> m.contains("line 6 (user 'erin'): the {SHA} hash is not the base64"))
        .anyMatch(m -> m.contains("line 7 (user 'alice'): the user is also on line 2"))
        .hasSize(5)
        .noneMatch(m -> m.contains(bcrypt) || m.contains(md5) || m.contains("plain-password"))
        .noneMatch(m -> m.contains(sha("a").substring(5)) || m.contains("short"));
    Route route = EdgeGateway.routes(EdgeGateway.of(translated)).get(0);
    assertThat(route.getDirectResponse().getStatus()).isEqualTo(500);
    assertThat(route.getTypedPerFilterConfigMap()).isEmpty();
  }

  @Test
  void htpasswdCommentsBlankLinesAndCrlfDoNotReachEnvoy() throws Exception {
    // given
    String yaml =
        gatewayAndRoutes(1)
            + BASIC_AUTH_ON_THE_GATEWAY
            + sealedSecret(
                "users",
                Map.of(".htpasswd", "# staff\r\nzoe:" + sha("z") + "\r\n\r\nadam:" + sha("a")));

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then one line per user, sorted, joined by newlines
    assertThat(translated.ir().problems()).isEmpty();
    BasicAuthPerRoute config =
        EdgeGateway.routes(EdgeGateway.of(translated))
            .get(0)
            .getTypedPerFilterConfigOrThrow("envoy.filters.http.basic_auth")
            .unpack(BasicAuthPerRoute.class);
    assertThat(config.getUsers().getInlineString())
        .isEqualTo("adam:" + sha("a") + "\nzoe:" + sha("z"));
  }

  @Test
  void aSecretThisReplicaCannotOpenFailsClosed() {
    // given a replica without the seal key
    ConfigSnapshot config =
        Cases.snapshot(
            gatewayAndRoutes(1)
                + API_KEYS_ON_THE_GATEWAY
                + sealedSecret("clients", Map.of("acme", "key-of-acme-1")));
    Inputs inputs =
        new Inputs(
            config,
            StaticEndpointSource.from(config),
            KeyLoader.none().ringFor(config),
            Identities.empty());

    // when
    Cases.Translated translated = Cases.translate(inputs);

    // then
    assertThat(messages(translated.ir()))
        .singleElement()
        .satisfies(
            m ->
                assertThat(m)
                    .startsWith("/spec/apiKeyAuth/credentials/0: Secret default/clients: ")
                    .contains("no seal key")
                    .endsWith("answer 500 until it is fixed"));
    Route route = EdgeGateway.routes(EdgeGateway.of(translated)).get(0);
    assertThat(route.getDirectResponse().getStatus()).isEqualTo(500);
  }

  @Test
  void aMissingSecretOrKeyAndOneKeyForTwoClientsFailClosed() {
    // given
    String yaml =
        gatewayAndRoutes(1)
            + """
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: SecurityPolicy
            metadata: {name: keys}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
              apiKeyAuth:
                query: api_key
                credentials: [{name: clients}, {name: more}, {name: gone}, {name: more, key: nobody}]
            """
            + sealedSecret("clients", Map.of("acme", "shared-key-1"))
            + sealedSecret("more", Map.of("globex", "shared-key-1", "initech", "has space"));

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then each is said at its reference, and no API key is
    assertThat(messages(translated.ir()))
        .containsExactlyInAnyOrder(
            "/spec/apiKeyAuth/credentials/1: client 'globex' (Secret default/more) has the same API"
                + " key as client 'acme' (Secret default/clients); the routes this policy governs"
                + " answer 500 until it is fixed",
            "/spec/apiKeyAuth/credentials/1: client 'initech' (Secret default/more): the API key"
                + " holds a space, a line break or a character outside printable ASCII, so no"
                + " request header can carry it; the routes this policy governs answer 500 until it"
                + " is fixed",
            "/spec/apiKeyAuth/credentials/2: Secret default/gone not found; the routes this policy"
                + " governs answer 500 until it is fixed",
            "/spec/apiKeyAuth/credentials/3/key: Secret default/more has no sealed key 'nobody';"
                + " the routes this policy governs answer 500 until it is fixed")
        .noneMatch(m -> m.contains("shared-key-1") || m.contains("has space"));
    assertThat(
            EdgeGateway.routes(EdgeGateway.of(translated)).get(0).getDirectResponse().getStatus())
        .isEqualTo(500);
  }

  @Test
  void aChangedApiKeyChangesTheRouteAndTheIrHoldsOnlyItsFingerprint() throws Exception {
    // given the same policy before and after a key is rotated
    String before =
        gatewayAndRoutes(1)
            + API_KEYS_ON_THE_GATEWAY
            + sealedSecret("clients", Map.of("acme", "old-key-of-acme"));
    String after =
        gatewayAndRoutes(1)
            + API_KEYS_ON_THE_GATEWAY
            + sealedSecret("clients", Map.of("acme", "new-key-of-acme"));

    // when
    Cases.Translated first = Cases.translate(before);
    Cases.Translated second = Cases.translate(after);

    // then the route config and the IR change; the IR names the Secret, never the key
    assertThat(EdgeGateway.of(first).routes()).isNotEqualTo(EdgeGateway.of(second).routes());
    String firstIr = IrYaml.write(first.ir().groups());
    String secondIr = IrYaml.write(second.ir().groups());
    assertThat(firstIr).isNotEqualTo(secondIr).contains("secretName: clients").contains("acme");
    assertThat(firstIr + secondIr + first.ir() + second.ir())
        .doesNotContain("old-key-of-acme")
        .doesNotContain("new-key-of-acme");
  }

  @Test
  void tooManyClientsInOnePolicyAreRefused() {
    // given 1,001 clients
    Map<String, String> keys = new LinkedHashMap<>();
    IntStream.range(0, 1_001).forEach(i -> keys.put("client-" + i, "key-" + i));
    String yaml = gatewayAndRoutes(1) + API_KEYS_ON_THE_GATEWAY + sealedSecret("clients", keys);

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then
    assertThat(messages(translated.ir()))
        .containsExactly(
            "/spec/apiKeyAuth/credentials: 1001 clients (expected: at most 1000); the routes this"
                + " policy governs answer 500 until it is fixed");
    assertThat(
            EdgeGateway.routes(EdgeGateway.of(translated)).get(0).getDirectResponse().getStatus())
        .isEqualTo(500);
  }

  @Test
  void aRouteTablePastItsCredentialBudgetFailsClosedRouteByRoute() {
    // given 900 clients of about 70 bytes each (63 KB, under the policy's 64 KiB) on 20 routes:
    // 1.26 MB of copies in one route table, past its 1 MiB
    Map<String, String> keys = new LinkedHashMap<>();
    IntStream.range(0, 900)
        .forEach(i -> keys.put("client-%03d".formatted(i), "k".repeat(56) + "%04d".formatted(i)));
    String yaml = gatewayAndRoutes(20) + API_KEYS_ON_THE_GATEWAY + sealedSecret("clients", keys);

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then the routes that fit keep their keys, the rest answer 500, each with a Problem
    List<Route> routes = EdgeGateway.routes(EdgeGateway.of(translated));
    long refused = routes.stream().filter(Route::hasDirectResponse).count();
    assertThat(refused).isEqualTo(4);
    assertThat(routes.stream().filter(r -> !r.hasDirectResponse()))
        .hasSize(16)
        .allMatch(r -> r.containsTypedPerFilterConfig("envoy.filters.http.api_key_auth"));
    assertThat(routes.stream().filter(Route::hasDirectResponse))
        .allMatch(r -> r.getTypedPerFilterConfigMap().isEmpty());
    assertThat(translated.ir().problems())
        .hasSize(4)
        .extracting(Problem::message)
        .allMatch(m -> m.contains("would pass 1048576 bytes"));
    int size =
        unpack(EdgeGateway.of(translated).routes(), RouteConfiguration.class)
            .get(0)
            .getSerializedSize();
    assertThat(size).isLessThan(4 * 1024 * 1024);
  }

  @Test
  void theCredentialsIrReadsBackAsTheSameIr() {
    // given the golden case's IR, which holds API key and basic-auth references
    ResolvedIr ir =
        Cases.resolve(
            GoldenFiles.read(
                EnvoyGoldenTest.ROOT
                    .resolve("gateway-api-keys-and-basic-auth")
                    .resolve("input.yaml")));

    // when
    String yaml = Cases.irYaml(ir);

    // then the IR is a contract the envoy stage can be fed from YAML alone
    assertThat(yaml).contains("apiKeyAuth").contains("basicAuth").contains("fingerprint");
    assertThat(Cases.readIr(yaml).groups())
        .isEqualTo(ir.groups().stream().map(Cases::withoutOwner).toList());
  }
}
