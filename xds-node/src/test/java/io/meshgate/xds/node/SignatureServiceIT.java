package io.meshgate.xds.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.edge.ratelimit.RedisSettings;
import io.meshgate.edge.signature.SignatureBase;
import io.meshgate.edge.signature.SignedRequest;
import io.meshgate.testkit.RedisServer;
import io.meshgate.xds.keys.CertificateDirs;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.pipeline.Pipeline;
import io.meshgate.xds.resolve.EdgeServices;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.translate.Cases;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node's signature service fed by a real pipeline build of the golden case
 * gateway-hmac-signatures (sealed keys opened with the test seal key), nonces in a real Redis,
 * called over gRPC with the policy name Envoy's own route config carries.
 */
class SignatureServiceIT {
  @RegisterExtension static RedisServer redis = RedisServer.local();

  private static final Path CASE =
      Path.of("src/test/resources/golden/envoy/gateway-hmac-signatures");
  private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
  private static final byte[] PARTNER_1 =
      "partner-1 shared key, TEST ONLY, 32+ bytes".getBytes(UTF_8);
  private static final byte[] PARTNER_2 =
      "partner-2 shared key, TEST ONLY, 32+ bytes".getBytes(UTF_8);

  private final SnapshotStore store = new SnapshotStore();
  private Pipeline pipeline;
  private SignatureService service;
  private ManagedChannel channel;

  @BeforeEach
  void startNodeParts() throws Exception {
    KeyLoader keys = KeyLoader.of(Cases.testUnsealer(), CertificateDirs.none());
    pipeline = new Pipeline(store, Duration.ZERO, Duration.ofMillis(10), keys);
    SignatureSettings settings =
        new SignatureSettings(
            Optional.of(new InetSocketAddress("127.0.0.1", 0)),
            EdgeServices.DEFAULTS.authz(),
            RedisSettings.parse(redis.uri()));
    service =
        SignatureService.attach(settings, keys, pipeline, Clock.fixed(NOW, ZoneOffset.UTC))
            .orElseThrow();
    ConfigSnapshot config = Cases.snapshot(Files.readString(CASE.resolve("input.yaml")));
    pipeline.accept(config);
    await().atMost(Duration.ofSeconds(30)).until(() -> service.port().isPresent());
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", service.port().get()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    service.close();
    pipeline.close();
  }

  private CheckResponse check(CheckRequest request) {
    return AuthorizationGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(request);
  }

  /** The context extensions Envoy's route config gives the check of the route with this name. */
  private Map<String, String> contextExtensionsOf(String routeName) throws Exception {
    for (var resource :
        store.get("gateway/default/edge").orElseThrow().type(TypeUrls.ROUTE).resources().values()) {
      RouteConfiguration table = resource.resource().unpack(RouteConfiguration.class);
      for (var host : table.getVirtualHostsList()) {
        for (Route route : host.getRoutesList()) {
          if (route.getName().equals(routeName)) {
            return route
                .getTypedPerFilterConfigOrThrow("envoy.filters.http.ext_authz/meshgate-hmac")
                .unpack(ExtAuthzPerRoute.class)
                .getCheckSettings()
                .getContextExtensionsMap();
          }
        }
      }
    }
    throw new AssertionError("no route " + routeName);
  }

  private static CheckRequest signed(
      Map<String, String> extensions, String path, byte[] key, String keyid, String nonce)
      throws Exception {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    headers.put("content-type", List.of("application/json"));
    SignedRequest request =
        new SignedRequest("GET", "https", "api.example.com", path, headers, Optional.empty());
    List<String> components = List.of("@method", "@path", "@authority", "content-type");
    String params =
        ";created=" + NOW.getEpochSecond() + ";keyid=\"" + keyid + "\";nonce=\"" + nonce + "\"";
    String base = SignatureBase.forClient(request, components, params).orElseThrow();
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    String signature = Base64.getEncoder().encodeToString(mac.doFinal(base.getBytes(UTF_8)));
    HeaderMap.Builder headerMap =
        HeaderMap.newBuilder()
            .addHeaders(raw(":authority", "api.example.com"))
            .addHeaders(raw(":path", path))
            .addHeaders(raw(":method", "GET"))
            .addHeaders(raw("content-type", "application/json"))
            .addHeaders(
                raw(
                    "signature-input",
                    "sig1=(\"@method\" \"@path\" \"@authority\" \"content-type\")" + params))
            .addHeaders(raw("signature", "sig1=:" + signature + ":"));
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setRequest(
                    AttributeContext.Request.newBuilder()
                        .setHttp(
                            AttributeContext.HttpRequest.newBuilder()
                                .setMethod("GET")
                                .setPath(path)
                                .setHost("api.example.com")
                                .setScheme("https")
                                .setHeaderMap(headerMap)))
                .putAllContextExtensions(extensions))
        .build();
  }

  private static HeaderValue raw(String name, String value) {
    return HeaderValue.newBuilder()
        .setKey(name)
        .setRawValue(ByteString.copyFrom(value, UTF_8))
        .build();
  }

  @Test
  void theNodesServiceVerifiesWhatEnvoysRouteConfigNamesWithKeysFromTheSealedSecret()
      throws Exception {
    // given: the policies Envoy's routes name
    Map<String, String> payments = contextExtensionsOf("httproute/default/payments/rule/0/match/0");
    Map<String, String> status = contextExtensionsOf("httproute/default/payments/rule/1/match/0");

    // when
    CheckResponse first = check(signed(payments, "/payments/7", PARTNER_2, "partner-2", "n-1"));
    CheckResponse replayed = check(signed(payments, "/payments/7", PARTNER_2, "partner-2", "n-1"));
    CheckResponse otherKeyOnStatus =
        check(signed(status, "/payments/status", PARTNER_2, "partner-2", "n-2"));
    CheckResponse wrongKey = check(signed(payments, "/payments/7", PARTNER_2, "partner-1", "n-3"));

    // then
    assertThat(payments).containsEntry("meshgate-hmac-policy", "default/payments-signed");
    assertThat(first.getStatus().getCode()).isZero();
    assertThat(first.getOkResponse().getHeaders(0).getHeader().getValue()).isEqualTo("partner-2");
    assertThat(replayed.getDeniedResponse().getStatus().getCode())
        .isEqualTo(StatusCode.Unauthorized);
    assertThat(replayed.getDeniedResponse().getHeaders(0).getHeader().getValue())
        .isEqualTo("nonce was already used");
    assertThat(otherKeyOnStatus.getDeniedResponse().getHeaders(0).getHeader().getValue())
        .as("the status rule's policy takes keyid partner-1 only")
        .isEqualTo("keyid is not known");
    assertThat(wrongKey.getDeniedResponse().getHeaders(0).getHeader().getValue())
        .isEqualTo("the signature does not match");
  }

  @Test
  void aRouteOfAPolicyThatFailsClosedIsNotKnownToTheService() throws Exception {
    // partners-signed names a missing Secret: its route answers 500 in Envoy, and the service
    // knows no such policy (it would answer 503).
    CheckResponse response =
        check(
            signed(
                Map.of("meshgate-hmac-policy", "default/partners-signed"),
                "/partners",
                PARTNER_1,
                "partner-1",
                "n-4"));

    assertThat(response.getDeniedResponse().getStatus().getCode())
        .isEqualTo(StatusCode.ServiceUnavailable);
  }
}
