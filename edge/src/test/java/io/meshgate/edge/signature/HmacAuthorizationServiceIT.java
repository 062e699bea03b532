package io.meshgate.edge.signature;

import static io.meshgate.edge.signature.Authz.envoyCheck;
import static io.meshgate.edge.signature.Signing.CLIENT_KEY;
import static io.meshgate.edge.signature.Signing.params;
import static io.meshgate.edge.signature.Signing.request;
import static io.meshgate.edge.signature.Signing.sha256Digest;
import static io.meshgate.edge.signature.Signing.sign;
import static io.meshgate.edge.signature.Signing.withBody;
import static io.meshgate.edge.signature.Signing.withHeader;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.meshgate.testkit.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The service against a real redis-server, called by a real gRPC client over a real port. */
class HmacAuthorizationServiceIT {
  @RegisterExtension static RedisServer redis = RedisServer.local();

  private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
  private static final List<String> BASIC = List.of("@method", "@path", "@authority");

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final AtomicReference<HmacPolicies> policies =
      new AtomicReference<>(
          new HmacPolicies(
              Map.of(
                  "shop/signed", policy("shop/signed", StoreFailure.REFUSE),
                  "shop/lenient", policy("shop/lenient", StoreFailure.ALLOW))));
  private final List<Authz> services = new ArrayList<>();

  private static HmacPolicy policy(String name, StoreFailure onStoreFailure) {
    return new HmacPolicy(
        name,
        Map.of("client-1", HmacKey.of(CLIENT_KEY)),
        BASIC,
        Duration.ofSeconds(300),
        NonceRule.REQUIRED,
        onStoreFailure,
        1024);
  }

  @BeforeEach
  void emptyRedis() {
    redis.start();
    try (Inspector inspector = new Inspector()) {
      inspector.connection.sync().flushall();
    }
  }

  @AfterEach
  void stopServices() {
    services.forEach(Authz::close);
    redis.start();
  }

  private Authz authz() {
    Authz authz = new Authz(redis.uri(), policies::get, clock);
    services.add(authz);
    return authz;
  }

  private static SignedRequest signed(String nonce) {
    return sign(
        request("GET", "/orders/7", "shop.example.com", "Accept", "application/json"),
        CLIENT_KEY,
        BASIC,
        params(NOW, "client-1") + ";nonce=\"" + nonce + "\"");
  }

  private static Optional<String> header(List<HeaderValueOption> headers, String name) {
    return headers.stream()
        .filter(h -> h.getHeader().getKey().equals(name))
        .map(h -> h.getHeader().getValue())
        .findFirst();
  }

  private static void assertDenied(CheckResponse response, StatusCode status, Reason reason) {
    assertThat(response.hasDeniedResponse()).isTrue();
    assertThat(response.getDeniedResponse().getStatus().getCode()).isEqualTo(status);
    assertThat(header(response.getDeniedResponse().getHeadersList(), "x-meshgate-signature-error"))
        .contains(reason.text());
  }

  @Test
  void aValidSignatureIsAllowedAndNamesItsKeyid() {
    CheckResponse response = authz().call(envoyCheck(signed("n-valid"), "shop/signed"));

    assertThat(response.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(header(response.getOkResponse().getHeadersList(), "x-meshgate-signature-keyid"))
        .contains("client-1");
  }

  @Test
  void aSignedBodyIsVerifiedThroughRawBody() {
    String body = "{\"amount\": 10}";
    SignedRequest request =
        sign(
            withHeader(
                withBody(request("POST", "/pay", "shop.example.com"), body),
                "Content-Digest",
                sha256Digest(body)),
            CLIENT_KEY,
            List.of("@method", "@path", "@authority", "content-digest"),
            params(NOW, "client-1") + ";nonce=\"n-body\"");
    Authz authz = authz();

    CheckResponse ok = authz.call(envoyCheck(request, "shop/signed"));
    CheckResponse tampered =
        authz.call(envoyCheck(withBody(request, "{\"amount\": 99}"), "shop/signed"));

    assertThat(ok.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertDenied(tampered, StatusCode.Unauthorized, Reason.DIGEST_MISMATCH);
  }

  @Test
  void aTamperedRequestIsRefusedWith401AndAReasonThatRevealsNoSecret() {
    SignedRequest signed = signed("n-tampered");
    SignedRequest tampered =
        new SignedRequest(
            "DELETE",
            signed.scheme(),
            signed.authority(),
            signed.target(),
            signed.headers(),
            signed.body());

    CheckResponse response = authz().call(envoyCheck(tampered, "shop/signed"));

    assertDenied(response, StatusCode.Unauthorized, Reason.SIGNATURE_MISMATCH);
    assertThat(response.toString())
        .doesNotContain(new String(CLIENT_KEY, UTF_8))
        .doesNotContain("@signature-params");
  }

  @Test
  void anExpiredSignatureIsRefused() {
    SignedRequest old =
        sign(
            request("GET", "/orders/7", "shop.example.com"),
            CLIENT_KEY,
            BASIC,
            params(NOW.minusSeconds(600), "client-1") + ";nonce=\"n-old\"");

    assertDenied(
        authz().call(envoyCheck(old, "shop/signed")), StatusCode.Unauthorized, Reason.EXPIRED);
  }

  @Test
  void anUnknownKeyIsRefused() {
    SignedRequest request =
        sign(
            request("GET", "/orders/7", "shop.example.com"),
            CLIENT_KEY,
            BASIC,
            params(NOW, "client-9") + ";nonce=\"n-unknown\"");

    assertDenied(
        authz().call(envoyCheck(request, "shop/signed")),
        StatusCode.Unauthorized,
        Reason.UNKNOWN_KEY);
  }

  @Test
  void aNonceIsAcceptedOnceAcrossTwoInstancesSharingRedis() {
    // given
    Authz first = authz();
    Authz second = authz();
    SignedRequest request = signed("n-shared");

    // when
    CheckResponse accepted = first.call(envoyCheck(request, "shop/signed"));
    CheckResponse replayedElsewhere = second.call(envoyCheck(request, "shop/signed"));
    CheckResponse replayedHere = first.call(envoyCheck(request, "shop/signed"));

    // then
    assertThat(accepted.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertDenied(replayedElsewhere, StatusCode.Unauthorized, Reason.REPLAYED_NONCE);
    assertDenied(replayedHere, StatusCode.Unauthorized, Reason.REPLAYED_NONCE);
    try (Inspector inspector = new Inspector()) {
      KeyScanCursor<String> keys = inspector.connection.sync().scan();
      assertThat(keys.getKeys())
          .singleElement()
          .satisfies(
              key -> {
                assertThat(key).startsWith(RedisNonces.KEY_PREFIX).doesNotContain("n-shared");
                assertThat(key).doesNotContain("client-1");
                long ttl = inspector.connection.sync().pttl(key);
                assertThat(ttl).isBetween(1L, 600_000L);
              });
    }
  }

  @Test
  void redisKilledMidTestAnswersEachPolicysStoreFailureAndNoncesResumeWhenItIsBack() {
    // given
    Authz authz = authz();
    assertThat(authz.call(envoyCheck(signed("n-before"), "shop/signed")).getStatus().getCode())
        .isEqualTo(Code.OK_VALUE);

    // when: Redis dies
    redis.kill();
    CheckResponse refused = authz.call(envoyCheck(signed("n-down-1"), "shop/signed"));
    CheckResponse allowed = authz.call(envoyCheck(signed("n-down-2"), "shop/lenient"));

    // then
    assertDenied(refused, StatusCode.ServiceUnavailable, Reason.NONCE_STORE_UNAVAILABLE);
    assertThat(allowed.getStatus().getCode()).isEqualTo(Code.OK_VALUE);

    // when: Redis is back
    redis.start();

    // then: nonces are remembered again
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        authz
                            .call(envoyCheck(signed("n-after"), "shop/signed"))
                            .getStatus()
                            .getCode())
                    .isEqualTo(Code.OK_VALUE));
    assertDenied(
        authz.call(envoyCheck(signed("n-after"), "shop/signed")),
        StatusCode.Unauthorized,
        Reason.REPLAYED_NONCE);
  }

  @Test
  void aRouteWhosePolicyIsNotKnownHereIsAnswered503() {
    assertDenied(
        authz().call(envoyCheck(signed("n-policy"), "shop/other")),
        StatusCode.ServiceUnavailable,
        Reason.UNKNOWN_POLICY);
  }

  @Test
  void aPolicyWithoutNoncesNeverCallsRedis() {
    // given: a policy that does not check nonces, and Redis down
    policies.set(
        new HmacPolicies(
            Map.of(
                "shop/plain",
                new HmacPolicy(
                    "shop/plain",
                    Map.of("client-1", HmacKey.of(CLIENT_KEY)),
                    BASIC,
                    Duration.ofSeconds(300),
                    NonceRule.NOT_CHECKED,
                    StoreFailure.REFUSE,
                    0))));
    Authz authz = authz();
    redis.kill();

    // when
    CheckResponse first = authz.call(envoyCheck(signed("n-plain"), "shop/plain"));
    CheckResponse again = authz.call(envoyCheck(signed("n-plain"), "shop/plain"));

    // then
    assertThat(first.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(again.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
  }

  /** A plain Lettuce connection to look into Redis. */
  private static final class Inspector implements AutoCloseable {
    final RedisClient client = RedisClient.create(HmacAuthorizationServiceIT.redis.uri());
    final StatefulRedisConnection<String, String> connection = client.connect();

    @Override
    public void close() {
      connection.close();
      client.shutdown();
    }
  }
}
