package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.edge.ratelimit.RedisSettings;
import io.meshgate.edge.signature.HmacPolicies;
import io.meshgate.edge.signature.SignatureBase;
import io.meshgate.edge.signature.SignatureVerifier;
import io.meshgate.edge.signature.SignedRequest;
import io.meshgate.edge.signature.Verdict;
import io.meshgate.meshbridge.consul.ConsulConnectSource;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.xds.edge.HmacConfigs;
import io.meshgate.xds.ir.IrYaml;
import io.meshgate.xds.keys.CertificateDirs;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.pipeline.Pipeline;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.resolve.EdgeServices;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.serve.AdsService;
import io.meshgate.xds.serve.ProxyConfig;
import io.meshgate.xds.serve.ProxyGroups;
import io.meshgate.xds.serve.StreamStatus;
import io.meshgate.xds.serve.TypeStatus;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import io.meshgate.xds.translate.BridgeConfigs;
import io.meshgate.xds.translate.Cases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Private keys reach Envoy and nowhere else: not the logs (at any level), not the golden outputs,
 * not {@code /debug}. The fixtures are the test keys of {@code test-keys/} (README there); each
 * check first proves it would see a key where one is.
 */
class KeyLeakTest {
  private static final Path TEST_KEYS = Path.of(Cases.TEST_KEYS);
  private static final Path GOLDEN = Path.of("src/test/resources/golden");

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private Level rootLevel;

  @BeforeEach
  void captureEveryLogLine() {
    rootLevel = root.getLevel();
    root.setLevel(Level.TRACE);
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void restoreLogging() {
    root.detachAppender(logs);
    root.setLevel(rootLevel);
  }

  /** The base64 lines of every test private key: any one of them in a text is a leak. */
  private static List<String> keyLines() throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(TEST_KEYS)) {
      for (Path key : files.filter(f -> f.toString().endsWith(".key")).toList()) {
        Files.readAllLines(key).stream()
            .filter(l -> !l.startsWith("-----") && l.length() >= 16)
            .forEach(lines::add);
      }
    }
    assertThat(lines).as("test keys to look for").hasSizeGreaterThan(10);
    return lines;
  }

  private static List<String> leaksIn(String text, List<String> keyLines) {
    return keyLines.stream().filter(text::contains).toList();
  }

  private static ConfigSnapshot gatewayWithSealedCertificates() throws IOException {
    String yaml =
        Files.readString(GOLDEN.resolve("envoy/gateway-https-certificates-by-sni/input.yaml"));
    return Cases.snapshot(yaml);
  }

  @Test
  void noGoldenOutputHoldsATestPrivateKey() throws IOException {
    List<String> keyLines = keyLines();
    assertThat(leaksIn(Files.readString(TEST_KEYS.resolve("edge.example.com.key")), keyLines))
        .as("the check sees a key where one is")
        .isNotEmpty();
    List<String> leaks = new ArrayList<>();
    try (Stream<Path> files = Files.walk(GOLDEN)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        leaksIn(Files.readString(file), keyLines).forEach(l -> leaks.add(file + ": " + l));
      }
    }
    assertThat(leaks).isEmpty();
  }

  private static TypeResources served(SnapshotStore store) {
    return store.get("gateway/default/edge").orElseThrow().type(TypeUrls.SECRET);
  }

  @Test
  void theKeyReachesTheSecretButNotTheLogsTheIrOrDebug() throws Exception {
    List<String> keyLines = keyLines();
    SnapshotStore store = new SnapshotStore();
    SnapshotBuilder builder = new SnapshotBuilder();

    // when: a build with sealed certificates; the pipeline's own run (it logs each rebuild); and
    // a key loader without the seal key (it logs each certificate it leaves out)
    SnapshotBuilder.Build build = builder.build(Cases.inputs(gatewayWithSealedCertificates()));
    store.replaceAll(build.snapshots());
    try (Pipeline pipeline =
        new Pipeline(
            new SnapshotStore(),
            Duration.ZERO,
            Duration.ofMillis(10),
            KeyLoader.of(Cases.testUnsealer(), CertificateDirs.none()))) {
      pipeline.accept(gatewayWithSealedCertificates());
      await().until(() -> pipeline.builtRevision() > 0);
    }
    KeyRing withoutSealKey = KeyLoader.none().ringFor(gatewayWithSealedCertificates());

    // then: the Secret served to Envoy holds the private key...
    VersionedResource served =
        store
            .get("gateway/default/edge")
            .orElseThrow()
            .type(TypeUrls.SECRET)
            .resources()
            .values()
            .stream()
            .filter(r -> r.name().equals("secret/default/edge.example.com"))
            .findFirst()
            .orElseThrow();
    String secretText = served.resource().unpack(Secret.class).toString();
    assertThat(leaksIn(secretText, keyLines)).as("the served Secret carries the key").isNotEmpty();

    // ...and nothing else does: log lines (with their arguments and stack traces), the IR...
    assertThat(logs.list).as("log lines captured").isNotEmpty();
    String logged = logged();
    assertThat(logged).contains("cannot be opened").contains("left out");
    assertThat(leaksIn(logged, keyLines)).as("log output").isEmpty();
    assertThat(leaksIn(IrYaml.write(build.resolved().groups()), keyLines)).as("IR").isEmpty();
    assertThat(leaksIn(build.resolved().toString(), keyLines)).as("IR toString").isEmpty();
    assertThat(leaksIn(build.snapshots().toString(), keyLines)).as("snapshot toString").isEmpty();
    assertThat(leaksIn(Cases.KEYS.toString(), keyLines)).isEmpty();
    assertThat(leaksIn(Cases.inputs(gatewayWithSealedCertificates()).toString(), keyLines))
        .as("inputs and key ring toString")
        .isEmpty();
    assertThat(withoutSealKey.toString()).contains("0 opened");
    String translated =
        Cases.translate(Cases.inputs(gatewayWithSealedCertificates())).groups().toString();
    assertThat(translated).contains("2 secrets");
    assertThat(leaksIn(translated, keyLines)).as("translation toString").isEmpty();

    // ...nor what /debug/config and proxy-config show of a proxy holding the Secrets...
    StreamStatus holder =
        new StreamStatus(
            1,
            "edge-1",
            "gateway/default/edge",
            false,
            List.of(
                new TypeStatus(
                    TypeUrls.SECRET,
                    served(store).version(),
                    null,
                    served(store).version(),
                    null,
                    null,
                    1,
                    served(store).version(),
                    1,
                    null,
                    null,
                    null,
                    false,
                    served(store).resources().keySet(),
                    Set.of())));
    String shown =
        ProxyConfig.of(holder, store.get("gateway/default/edge"), Optional.empty()).toString();
    assertThat(shown).contains("secret/default/edge.example.com").contains("tlsCertificate");
    assertThat(leaksIn(shown, keyLines)).as("/debug/config").isEmpty();

    // ...and /debug, on every path it serves
    try (AdminServer admin =
        new AdminServer(
            new InetSocketAddress("127.0.0.1", 0), Optional::empty, store, new AdsService(store))) {
      admin.serveProxies(
          new ProxyPages("r1", List::of, store, () -> build.resolved(), Clock.systemUTC()));
      HttpClient http = HttpClient.newHttpClient();
      for (String path :
          List.of("/debug/snapshots", "/debug/streams", "/debug/proxies", "/healthz", "/readyz")) {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + admin.address().getPort() + path))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        assertThat(leaksIn(response.body(), keyLines)).as(path).isEmpty();
      }
    } catch (UncheckedIOException e) {
      throw e;
    }
  }

  @Test
  void aMeshIdentitysKeyReachesItsSidecarsSecretButNotTheLogsTheIrOrDebug() throws Exception {
    // given: a sidecar in the mesh, built as the pipeline builds, with its identity issued
    ConfigSnapshot config =
        Cases.snapshot(
            Files.readString(GOLDEN.resolve("envoy/sidecar-inbound-and-upstreams/input.yaml")));
    Inputs inputs = Cases.inputs(config);
    IssuedIdentity web =
        inputs.identities().get(SpiffeId.workload("meshgate.local", "shop", "web")).orElseThrow();
    List<String> keyLines =
        web.keyPem().lines().filter(l -> !l.startsWith("-----") && l.length() >= 16).toList();
    assertThat(keyLines).as("key lines to look for").isNotEmpty();

    // when
    SnapshotBuilder.Build build = new SnapshotBuilder().build(inputs);
    SnapshotStore store = new SnapshotStore();
    store.replaceAll(build.snapshots());

    // then: the sidecar's Secret holds the key, and only there
    assertThat(leaksIn(served(store, "sidecar/shop/web", web.secretName()), keyLines)).isNotEmpty();
    assertThat(leaksIn(logged(), keyLines)).as("log output").isEmpty();
    assertThat(leaksIn(IrYaml.write(build.resolved().groups()), keyLines)).as("IR").isEmpty();
    assertThat(leaksIn(build.snapshots().toString(), keyLines)).as("snapshot toString").isEmpty();
    assertThat(leaksIn(inputs.toString(), keyLines)).as("inputs toString").isEmpty();
    assertThat(leaksIn(web.toString(), keyLines)).as("identity toString").isEmpty();
    String debug = debugSnapshots(store);
    assertThat(debug).contains("sidecar/shop/web");
    assertThat(leaksIn(debug, keyLines)).as("/debug/snapshots").isEmpty();
  }

  @Test
  void aConsulLeafsKeyReachesItsGatewaysSecretButNotTheLogsTheIrOrDebug() throws Exception {
    // given: a Gateway in a Consul bridge, its leaf and key from the agent through the source
    try (ConsulApiDouble consul = ConsulApiDouble.create();
        ConsulConnectSource source =
            ConsulConnectSource.start(
                ConsulSettings.at(URI.create(consul.address())),
                "edge",
                Clock.systemUTC(),
                Duration.ofSeconds(5),
                Duration.ofMillis(20))) {
      ConfigSnapshot config =
          Cases.snapshot(
              BridgeConfigs.consulGateway(
                  "edge", "web", consul.connectTrustDomain(), consul.address(), null));
      SpiffeId id = SpiffeId.parse(consul.leafServiceUri("edge")).orElseThrow();
      IdentitySnapshot issued =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> source.snapshotFor(Set.of(id)), i -> i.get(id).isPresent());
      // The key as the agent sent it (SEC1) and as meshgate serves it (PKCS#8).
      HttpResponse<String> leaf =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(consul.address() + "/v1/agent/connect/ca/leaf/edge"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      String agentKey = new ObjectMapper().readTree(leaf.body()).path("PrivateKeyPEM").asText();
      List<String> keyLines = new ArrayList<>();
      for (String pem : List.of(agentKey, issued.get(id).orElseThrow().keyPem())) {
        pem.lines().filter(l -> !l.startsWith("-----") && l.length() >= 16).forEach(keyLines::add);
      }
      assertThat(keyLines).as("key lines to look for").hasSizeGreaterThan(1);
      Inputs inputs =
          new Inputs(
              config,
              StaticEndpointSource.from(config),
              Cases.KEYS.ringFor(config),
              Identities.of(issued));

      // when
      SnapshotBuilder.Build build = new SnapshotBuilder().build(inputs);
      SnapshotStore store = new SnapshotStore();
      store.replaceAll(build.snapshots());

      // then: the Gateway's Secret holds the key, and only there
      assertThat(leaksIn(served(store, "gateway/edge/edge", id.toString()), keyLines)).isNotEmpty();
      String logged = logged();
      assertThat(logged).as("the source logged its answers").contains("Consul's leaf for edge");
      assertThat(leaksIn(logged, keyLines)).as("log output").isEmpty();
      assertThat(leaksIn(IrYaml.write(build.resolved().groups()), keyLines)).as("IR").isEmpty();
      assertThat(leaksIn(build.snapshots().toString(), keyLines)).as("snapshots").isEmpty();
      assertThat(leaksIn(inputs.toString(), keyLines)).as("inputs toString").isEmpty();
      assertThat(leaksIn(source.toString() + issued, keyLines)).as("source").isEmpty();
      String debug = debugSnapshots(store);
      assertThat(debug).contains("gateway/edge/edge");
      assertThat(leaksIn(debug, keyLines)).as("/debug/snapshots").isEmpty();
    }
  }

  /**
   * The credentials of the golden case gateway-api-keys-and-basic-auth, as its Secrets hold them:
   * the API keys and {SHA} hashes its routes use, and values no route may use (a client the policy
   * does not name, the users of a policy that fails closed, a bcrypt hash it refuses).
   */
  private static final String CREDENTIALS_CASE = "envoy/gateway-api-keys-and-basic-auth";

  private static final List<String> USED_CREDENTIALS =
      List.of(
          "TEST-apikey-acme-5b1e0c9d7a",
          "TEST-apikey-globex-93f2aa61c4",
          "TEST-apikey-ops-0c7d52e8b1",
          "rThLR4j+mcWICXIHNRdEB5gjArQ=",
          "vZYiBfCs0PHQbYtAABgOp/k2+3Q=");

  private static final List<String> UNUSED_CREDENTIALS =
      List.of(
          "TEST-apikey-intern-6a4f19d3e2",
          "sGP8TS1AucBHVXfTmYbcncxjy28=",
          "TESTbcryptTESTbcryptTEuJ9Q0h9Kq2m1Vn3bE5m8xYwXc7zW6rS");

  private static List<String> credentialsIn(String text, List<String> credentials) {
    return credentials.stream().filter(text::contains).toList();
  }

  @Test
  void anApiKeyAndAnHtpasswdLineReachOnlyTheRouteConfigServedToEnvoy() throws Exception {
    List<String> all = new ArrayList<>(USED_CREDENTIALS);
    all.addAll(UNUSED_CREDENTIALS);
    ConfigSnapshot config =
        Cases.snapshot(Files.readString(GOLDEN.resolve(CREDENTIALS_CASE + "/input.yaml")));
    assertThat(credentialsIn(config.toString(), all)).as("the sealed input").isEmpty();

    // when: a build as the pipeline makes it; the pipeline's own run (it logs each rebuild); and a
    // replica without the seal key (it logs each Secret it cannot open)
    Inputs inputs = Cases.inputs(config);
    SnapshotBuilder.Build build = new SnapshotBuilder().build(inputs);
    SnapshotStore store = new SnapshotStore();
    store.replaceAll(build.snapshots());
    try (Pipeline pipeline =
        new Pipeline(
            new SnapshotStore(),
            Duration.ZERO,
            Duration.ofMillis(10),
            KeyLoader.of(Cases.testUnsealer(), CertificateDirs.none()))) {
      pipeline.accept(config);
      await().until(() -> pipeline.builtRevision() > 0);
    }
    SnapshotBuilder.Build withoutSealKey =
        new SnapshotBuilder()
            .build(
                new Inputs(
                    config,
                    inputs.endpoints(),
                    KeyLoader.none().ringFor(config),
                    inputs.identities()));

    // then: the route config served to Envoy holds the credentials its routes use, and no other
    String served =
        store
            .get("gateway/default/edge")
            .orElseThrow()
            .type(TypeUrls.ROUTE)
            .resources()
            .values()
            .stream()
            .map(r -> r.resource().toString())
            .reduce("", String::concat);
    assertThat(credentialsIn(served, USED_CREDENTIALS))
        .as("the served route config carries them")
        .containsExactlyElementsOf(USED_CREDENTIALS);
    assertThat(credentialsIn(served, UNUSED_CREDENTIALS)).as("served, unused").isEmpty();

    // ...and nothing else does: logs, the IR, problems, toStrings, /debug
    String logged = logged();
    assertThat(logged).as("the replica without the seal key said so").contains("cannot be opened");
    assertThat(credentialsIn(logged, all)).as("log output").isEmpty();
    for (SnapshotBuilder.Build each : List.of(build, withoutSealKey)) {
      assertThat(credentialsIn(IrYaml.write(each.resolved().groups()), all)).as("IR").isEmpty();
      assertThat(credentialsIn(each.resolved().toString(), all)).as("IR toString").isEmpty();
      assertThat(credentialsIn(each.resolved().problems().toString(), all))
          .as("problems")
          .isEmpty();
      assertThat(credentialsIn(each.snapshots().toString(), all)).as("snapshots").isEmpty();
    }
    assertThat(build.resolved().problems()).as("the case's own problems").hasSize(2);
    assertThat(withoutSealKey.resolved().problems().toString()).contains("no seal key");
    assertThat(credentialsIn(inputs.toString() + inputs.keys(), all)).as("inputs").isEmpty();
    assertThat(credentialsIn(Cases.translate(inputs).groups().toString(), all))
        .as("translation toString")
        .isEmpty();
    for (String golden : List.of("ir.yaml", "problems.txt", "listeners.yaml")) {
      assertThat(
              credentialsIn(
                  Files.readString(GOLDEN.resolve(CREDENTIALS_CASE).resolve(golden)), all))
          .as(golden)
          .isEmpty();
    }
    try (AdminServer admin =
        new AdminServer(
            new InetSocketAddress("127.0.0.1", 0), Optional::empty, store, new AdsService(store))) {
      HttpClient http = HttpClient.newHttpClient();
      for (String path : List.of("/debug/snapshots", "/debug/streams", "/healthz", "/readyz")) {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + admin.address().getPort() + path))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        assertThat(credentialsIn(response.body(), all)).as(path).isEmpty();
      }
    }
  }

  /** The plaintext values of the OIDC case's sealed Secrets (test-only values, see input.yaml). */
  private static final List<String> OIDC_VALUES =
      List.of(
          "TEST-oidc-client-secret-shop-7f3a9c",
          "TEST-oidc-client-secret-admin-41d2e8",
          "TEST-oidc-hmac-secret-admin-0b6e55");

  @Test
  void oidcSecretsReachOnlyTheSdsSecretsOfAnAuthenticatedStream() throws Exception {
    // given: the OIDC golden case, built as the pipeline builds it; every form its secret values
    // could take in a text (plain, base64, and the derived HMAC key in hex and base64)
    Path dir = GOLDEN.resolve("envoy/gateway-oidc-login");
    Inputs inputs =
        Cases.inputs(
            Cases.snapshot(Files.readString(dir.resolve("input.yaml"))),
            Cases.issuers(Files.readString(dir.resolve(Cases.ISSUERS))));
    byte[] derived = hmacSha256(OIDC_VALUES.get(0), "meshgate oauth2 hmac/default/shop-login");
    List<String> forms = new ArrayList<>();
    for (String value : OIDC_VALUES) {
      forms.add(value);
      forms.add(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
    }
    forms.add(HexFormat.of().formatHex(derived));
    forms.add(Base64.getEncoder().encodeToString(derived));

    // when
    SnapshotBuilder.Build build = new SnapshotBuilder().build(inputs);
    SnapshotStore store = new SnapshotStore();
    store.replaceAll(build.snapshots());

    // then: an Envoy with the Gateway's credential gets the four Secrets, values inside...
    String group = "gateway/default/edge";
    List<String> names =
        List.of(
            "oauth2/default/admin-login/client-secret",
            "oauth2/default/admin-login/hmac",
            "oauth2/default/shop-login/client-secret",
            "oauth2/default/shop-login/hmac");
    Map<String, ByteString> served = new TreeMap<>();
    for (Any resource :
        askForSecrets(store, new PeerIdentity(Optional.of(group), Optional.empty()), names)) {
      Secret secret = resource.unpack(Secret.class);
      served.put(secret.getName(), secret.getGenericSecret().getSecret().getInlineBytes());
    }
    assertThat(served)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                names.get(0), ByteString.copyFromUtf8(OIDC_VALUES.get(1)),
                names.get(1), ByteString.copyFromUtf8(OIDC_VALUES.get(2)),
                names.get(2), ByteString.copyFromUtf8(OIDC_VALUES.get(0)),
                names.get(3), ByteString.copyFrom(derived)));
    // ...an anonymous stream gets none of them...
    assertThat(askForSecrets(store, PeerIdentity.NONE, names)).isEmpty();
    // ...and nothing else holds a value: the listeners (the filters name the Secrets only), log
    // lines, the IR, the inputs, the snapshots' string forms and /debug
    String listeners =
        store.get(group).orElseThrow().type(TypeUrls.LISTENER).resources().values().stream()
            .map(r -> r.resource().toString())
            .reduce("", String::concat);
    assertThat(listeners).contains("oauth2/default/shop-login/hmac");
    assertThat(leaksIn(listeners, forms)).as("listeners").isEmpty();
    assertThat(leaksIn(logged(), forms)).as("log output").isEmpty();
    assertThat(leaksIn(IrYaml.write(build.resolved().groups()), forms)).as("IR").isEmpty();
    assertThat(leaksIn(build.resolved().toString(), forms)).as("IR toString").isEmpty();
    assertThat(leaksIn(build.snapshots().toString(), forms)).as("snapshot toString").isEmpty();
    assertThat(leaksIn(inputs.toString(), forms)).as("inputs toString").isEmpty();
    String debug = debugSnapshots(store);
    assertThat(debug).contains(group);
    assertThat(leaksIn(debug, forms)).as("/debug/snapshots").isEmpty();
  }

  /**
   * The shared keys of the golden case gateway-hmac-signatures, as its sealed Secrets hold them.
   */
  private static final List<String> HMAC_KEYS =
      List.of(
          "partner-1 shared key, TEST ONLY, 32+ bytes",
          "partner-2 shared key, TEST ONLY, 32+ bytes",
          "too-short");

  @Test
  void hmacKeysReachOnlyTheSignatureServiceNeverEnvoyTheIrTheLogsOrDebug() throws Exception {
    // given: the HMAC golden case; every form a key could take in a text
    ConfigSnapshot config =
        Cases.snapshot(
            Files.readString(GOLDEN.resolve("envoy/gateway-hmac-signatures/input.yaml")));
    List<String> forms = new ArrayList<>();
    for (String key : HMAC_KEYS) {
      byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
      forms.add(key);
      forms.add(Base64.getEncoder().encodeToString(bytes));
      forms.add(HexFormat.of().formatHex(bytes));
    }
    assertThat(leaksIn(config.toString(), forms)).as("the sealed input").isEmpty();

    // when: a build as the pipeline makes it, and the pipeline's own run feeding the node's
    // signature service (it logs its start and its Redis connection)
    Inputs inputs = Cases.inputs(config);
    SnapshotBuilder.Build build = new SnapshotBuilder().build(inputs);
    SnapshotStore store = new SnapshotStore();
    store.replaceAll(build.snapshots());
    KeyLoader keys = KeyLoader.of(Cases.testUnsealer(), CertificateDirs.none());
    HmacPolicies derived;
    try (Pipeline pipeline =
            new Pipeline(new SnapshotStore(), Duration.ZERO, Duration.ofMillis(10), keys);
        SignatureService service =
            SignatureService.attach(
                    new SignatureSettings(
                        Optional.of(new InetSocketAddress("127.0.0.1", 0)),
                        EdgeServices.DEFAULTS.authz(),
                        RedisSettings.parse("redis://127.0.0.1:1")),
                    keys,
                    pipeline,
                    Clock.systemUTC())
                .orElseThrow()) {
      pipeline.accept(config);
      await().until(() -> service.port().isPresent());
      derived = HmacConfigs.from(build.resolved(), inputs.keys());
    }

    // then: the service's policies hold the keys (a signature by partner-1 verifies)...
    SignedRequest request =
        new SignedRequest(
            "GET", "https", "api.example.com", "/payments/status", Map.of(), Optional.empty());
    Instant now = Instant.parse("2026-12-07T10:00:00Z");
    String params = ";created=" + now.getEpochSecond() + ";keyid=\"partner-1\";nonce=\"n\"";
    List<String> covered = List.of("@method", "@path", "@authority");
    byte[] signature =
        hmacSha256(
            HMAC_KEYS.get(0), SignatureBase.forClient(request, covered, params).orElseThrow());
    SignedRequest signed =
        new SignedRequest(
            "GET",
            "https",
            "api.example.com",
            "/payments/status",
            Map.of(
                "signature-input", List.of("s=(\"@method\" \"@path\" \"@authority\")" + params),
                "signature", List.of("s=:" + Base64.getEncoder().encodeToString(signature) + ":")),
            Optional.empty());
    assertThat(
            SignatureVerifier.verify(
                derived.find("default/status-signed").orElseThrow(), signed, now))
        .isInstanceOf(Verdict.Verified.class);
    // ...and nothing else does: every Envoy resource, the IR, problems, logs, toStrings, /debug
    String envoy = build.snapshots().toString();
    for (String type :
        List.of(TypeUrls.LISTENER, TypeUrls.ROUTE, TypeUrls.CLUSTER, TypeUrls.SECRET)) {
      envoy +=
          store.get("gateway/default/edge").orElseThrow().type(type).resources().values().stream()
              .map(r -> r.resource().toString())
              .reduce("", String::concat);
    }
    assertThat(envoy).contains("meshgate-hmac");
    assertThat(leaksIn(envoy, forms)).as("Envoy resources").isEmpty();
    String logged = logged();
    assertThat(logged).contains("HMAC signature service listening").contains("connecting to");
    assertThat(leaksIn(logged, forms)).as("log output").isEmpty();
    assertThat(leaksIn(IrYaml.write(build.resolved().groups()), forms)).as("IR").isEmpty();
    assertThat(leaksIn(build.resolved().toString(), forms)).as("IR toString").isEmpty();
    assertThat(leaksIn(build.resolved().problems().toString(), forms)).as("problems").isEmpty();
    assertThat(leaksIn(inputs.toString() + inputs.keys(), forms)).as("inputs").isEmpty();
    assertThat(leaksIn(derived.toString(), forms)).as("the service's policies").isEmpty();
    String debug = debugSnapshots(store);
    assertThat(debug).contains("gateway/default/edge");
    assertThat(leaksIn(debug, forms)).as("/debug/snapshots").isEmpty();
  }

  private static byte[] hmacSha256(String key, String context) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return mac.doFinal(context.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The Secrets an ADS stream presenting {@code identity} is sent when it asks for {@code names} of
   * the edge Gateway's group (then for listeners: a stream handles requests in order, so the
   * listener response closes what the Secret request brought).
   */
  private static List<Any> askForSecrets(
      SnapshotStore store, PeerIdentity identity, List<String> names) throws Exception {
    String serverName = "key-leak-" + System.nanoTime();
    Server server =
        InProcessServerBuilder.forName(serverName)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    new AdsService(store, Authorizer.anonymousAllowed()),
                    new ServerInterceptor() {
                      @Override
                      public <Q, R> ServerCall.Listener<Q> interceptCall(
                          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                        return Contexts.interceptCall(
                            Context.current().withValue(ProxyAuthenticator.PEER, identity),
                            call,
                            headers,
                            next);
                      }
                    }))
            .build()
            .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(serverName).directExecutor().build();
    try {
      BlockingQueue<DiscoveryResponse> received = new LinkedBlockingQueue<>();
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse value) {
                      received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      Node node =
          Node.newBuilder()
              .setId("edge-1")
              .setMetadata(
                  Struct.newBuilder()
                      .putFields(
                          ProxyGroups.GATEWAY, Value.newBuilder().setStringValue("edge").build()))
              .build();
      for (String type : List.of(TypeUrls.SECRET, TypeUrls.LISTENER)) {
        requests.onNext(
            DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(type)
                .addAllResourceNames(type.equals(TypeUrls.SECRET) ? names : List.of())
                .build());
      }
      List<Any> secrets = new ArrayList<>();
      while (true) {
        DiscoveryResponse response = received.poll(5, TimeUnit.SECONDS);
        assertThat(response).as("a response").isNotNull();
        if (response.getTypeUrl().equals(TypeUrls.LISTENER)) {
          return secrets;
        }
        secrets.addAll(response.getResourcesList());
      }
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  /** The Secret {@code name} the store serves {@code group}, as text. */
  private static String served(SnapshotStore store, String group, String name) throws Exception {
    VersionedResource secret =
        store.get(group).orElseThrow().type(TypeUrls.SECRET).resources().get(name);
    return secret.resource().unpack(Secret.class).toString();
  }

  /** Every line logged during the test, with the messages of logged exceptions. */
  private String logged() {
    StringBuilder logged = new StringBuilder();
    for (ILoggingEvent event : logs.list) {
      logged.append(event.getFormattedMessage()).append('\n');
      if (event.getThrowableProxy() != null) {
        logged.append(event.getThrowableProxy().getMessage()).append('\n');
      }
    }
    return logged.toString();
  }

  /** What the admin port's {@code /debug/snapshots} shows of {@code store}. */
  private static String debugSnapshots(SnapshotStore store) throws Exception {
    try (AdminServer admin =
        new AdminServer(
            new InetSocketAddress("127.0.0.1", 0), Optional::empty, store, new AdsService(store))) {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + admin.address().getPort() + "/debug/snapshots"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }
}
