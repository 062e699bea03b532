package io.meshgate.edge.signature;

import static io.meshgate.edge.signature.Signing.CLIENT_KEY;
import static io.meshgate.edge.signature.Signing.RFC_SHARED_SECRET;
import static io.meshgate.edge.signature.Signing.params;
import static io.meshgate.edge.signature.Signing.policy;
import static io.meshgate.edge.signature.Signing.request;
import static io.meshgate.edge.signature.Signing.sha256Digest;
import static io.meshgate.edge.signature.Signing.sign;
import static io.meshgate.edge.signature.Signing.withBody;
import static io.meshgate.edge.signature.Signing.withHeader;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.edge.signature.SignatureBase.Base;
import io.meshgate.edge.signature.StructuredFields.InnerList;
import io.meshgate.edge.signature.Verdict.Rejected;
import io.meshgate.edge.signature.Verdict.Verified;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SignatureVerifierTest {
  private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
  private static final List<String> BASIC = List.of("@method", "@path", "@authority");

  // RFC 9421 Appendix B.2: the test request (its body comes in where a test says so).
  private static final SignedRequest RFC_REQUEST =
      new SignedRequest(
          "POST",
          "https",
          "example.com",
          "/foo?param=Value&Pet=dog",
          Map.of(
              "Host", List.of("example.com"),
              "Date", List.of("Tue, 20 Apr 2021 02:07:55 GMT"),
              "Content-Type", List.of("application/json")),
          Optional.empty());
  private static final String RFC_B25_INPUT =
      "sig-b25=(\"date\" \"@authority\" \"content-type\");created=1618884473;keyid=\"test-shared-secret\"";
  private static final String RFC_B25_SIGNATURE =
      "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:";
  private static final Instant RFC_CREATED = Instant.ofEpochSecond(1618884473);

  private static SignedRequest signedGet() {
    return sign(
        request("GET", "/orders/7?full=1", "shop.example.com"),
        CLIENT_KEY,
        BASIC,
        params(NOW, "client-1"));
  }

  private static Verdict verify(SignedRequest request) {
    return SignatureVerifier.verify(policy(NonceRule.NOT_CHECKED), request, NOW);
  }

  private static Reason reason(Verdict verdict) {
    assertThat(verdict).isInstanceOf(Rejected.class);
    return ((Rejected) verdict).reason();
  }

  @Test
  void reproducesTheSignatureBaseOfRfc9421AppendixB25ByteForByte() throws Exception {
    // given
    InnerList params =
        (InnerList)
            StructuredFields.parseDictionary(RFC_B25_INPUT, SignatureVerifier.LIMITS)
                .get("sig-b25");

    // when
    String base = ((Base) SignatureBase.of(RFC_REQUEST, params)).text();

    // then
    assertThat(base)
        .isEqualTo(
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
                + "\"@authority\": example.com\n"
                + "\"content-type\": application/json\n"
                + "\"@signature-params\": (\"date\" \"@authority\" \"content-type\")"
                + ";created=1618884473;keyid=\"test-shared-secret\"");
    assertThat(
            Base64.getEncoder()
                .encodeToString(SignatureVerifier.hmac(HmacKey.of(RFC_SHARED_SECRET), base)))
        .isEqualTo("pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=");
  }

  @Test
  void acceptsTheSignatureOfRfc9421AppendixB25() {
    // given: a policy that requires only what B.2.5 covers
    HmacPolicy policy =
        new HmacPolicy(
            "rfc/b25",
            Map.of("test-shared-secret", HmacKey.of(RFC_SHARED_SECRET)),
            List.of("@authority"),
            Duration.ofSeconds(300),
            NonceRule.NOT_CHECKED,
            StoreFailure.REFUSE,
            1024);
    SignedRequest signed =
        withHeader(
            withHeader(RFC_REQUEST, "Signature-Input", RFC_B25_INPUT),
            "Signature",
            RFC_B25_SIGNATURE);

    // when
    Verdict verdict = SignatureVerifier.verify(policy, signed, RFC_CREATED.plusSeconds(10));

    // then
    assertThat(verdict)
        .isEqualTo(new Verified("sig-b25", "test-shared-secret", Optional.empty(), RFC_CREATED));
  }

  @Test
  void refusesTheRfcRequestWithItsBodySinceB25DoesNotCoverContentDigest() {
    // given: B.2's body with its Content-Digest; B.2.5 signs neither
    SignedRequest signed =
        withHeader(
            withHeader(
                withHeader(
                    withBody(RFC_REQUEST, "{\"hello\": \"world\"}"),
                    "Content-Digest",
                    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"),
                "Signature-Input",
                RFC_B25_INPUT),
            "Signature",
            RFC_B25_SIGNATURE);

    // when / then
    assertThat(
            reason(
                SignatureVerifier.verify(
                    policy(NonceRule.NOT_CHECKED), signed, RFC_CREATED.plusSeconds(10))))
        .isEqualTo(Reason.MISSING_COMPONENT);
  }

  @Test
  void acceptsAValidSignatureAndNamesItsKey() {
    Verdict verdict = verify(signedGet());

    assertThat(verdict).isInstanceOf(Verified.class);
    assertThat(((Verified) verdict).keyid()).isEqualTo("client-1");
  }

  @Test
  void everyDerivedComponentIsBuiltAsRfc9421Says() {
    // given
    SignedRequest request = request("GET", "/a/b?x=1&y", "Shop.Example.com:443");
    List<String> all =
        List.of(
            "@method",
            "@target-uri",
            "@authority",
            "@scheme",
            "@path",
            "@query",
            "@request-target");

    // when
    String base = SignatureBase.forClient(request, all, ";created=1").orElseThrow();

    // then
    assertThat(base)
        .isEqualTo(
            "\"@method\": GET\n"
                + "\"@target-uri\": https://shop.example.com/a/b?x=1&y\n"
                + "\"@authority\": shop.example.com\n"
                + "\"@scheme\": https\n"
                + "\"@path\": /a/b\n"
                + "\"@query\": ?x=1&y\n"
                + "\"@request-target\": /a/b?x=1&y\n"
                + "\"@signature-params\": (\"@method\" \"@target-uri\" \"@authority\" \"@scheme\""
                + " \"@path\" \"@query\" \"@request-target\");created=1");
  }

  @Test
  void headerValuesAreTrimmedAndJoinedWithCommaSpace() {
    SignedRequest request = request("GET", "/", "a.example", "X-Tags", "  one ", "x-tags", "two\t");

    String base = SignatureBase.forClient(request, List.of("x-tags"), "").orElseThrow();

    assertThat(base).isEqualTo("\"x-tags\": one, two\n\"@signature-params\": (\"x-tags\")");
  }

  @Test
  void refusesATamperedMethod() {
    SignedRequest signed = signedGet();
    SignedRequest tampered =
        new SignedRequest(
            "DELETE",
            signed.scheme(),
            signed.authority(),
            signed.target(),
            signed.headers(),
            signed.body());

    assertThat(reason(verify(tampered))).isEqualTo(Reason.SIGNATURE_MISMATCH);
  }

  @Test
  void refusesATamperedPath() {
    SignedRequest signed = signedGet();
    SignedRequest tampered =
        new SignedRequest(
            signed.method(),
            signed.scheme(),
            signed.authority(),
            "/orders/8?full=1",
            signed.headers(),
            signed.body());

    assertThat(reason(verify(tampered))).isEqualTo(Reason.SIGNATURE_MISMATCH);
  }

  @Test
  void refusesATamperedAuthority() {
    SignedRequest signed = signedGet();
    SignedRequest tampered =
        new SignedRequest(
            signed.method(),
            signed.scheme(),
            "evil.example.com",
            signed.target(),
            signed.headers(),
            signed.body());

    assertThat(reason(verify(tampered))).isEqualTo(Reason.SIGNATURE_MISMATCH);
  }

  @Test
  void refusesATamperedCoveredHeader() {
    SignedRequest signed =
        sign(
            request("GET", "/orders", "shop.example.com", "X-Account", "alice"),
            CLIENT_KEY,
            List.of("@method", "@path", "@authority", "x-account"),
            params(NOW, "client-1"));

    assertThat(verify(signed)).isInstanceOf(Verified.class);
    assertThat(reason(verify(withHeader(signed, "x-account", "mallory"))))
        .isEqualTo(Reason.SIGNATURE_MISMATCH);
  }

  @Test
  void refusesATamperedBodyByItsContentDigest() {
    // given
    String body = "{\"amount\": 10}";
    SignedRequest signed =
        sign(
            withHeader(
                withBody(request("POST", "/pay", "shop.example.com"), body),
                "Content-Digest",
                sha256Digest(body)),
            CLIENT_KEY,
            List.of("@method", "@path", "@authority", "content-digest"),
            params(NOW, "client-1"));
    SignedRequest tampered = withBody(signed, "{\"amount\": 99}");

    // when / then
    assertThat(verify(signed)).isInstanceOf(Verified.class);
    assertThat(reason(verify(tampered))).isEqualTo(Reason.DIGEST_MISMATCH);
  }

  @Test
  void acceptsSha512ContentDigest() {
    String body = "{\"hello\": \"world\"}";
    SignedRequest signed =
        sign(
            withHeader(
                withBody(request("POST", "/foo", "example.com"), body),
                "Content-Digest",
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"),
            CLIENT_KEY,
            List.of("@method", "@path", "@authority", "content-digest"),
            params(NOW, "client-1"));

    assertThat(verify(signed)).isInstanceOf(Verified.class);
  }

  @Test
  void aBodyDemandsThatContentDigestIsCovered() {
    String body = "{}";
    SignedRequest signed =
        sign(
            withHeader(
                withBody(request("POST", "/pay", "shop.example.com"), body),
                "Content-Digest",
                sha256Digest(body)),
            CLIENT_KEY,
            BASIC,
            params(NOW, "client-1"));

    assertThat(reason(verify(signed))).isEqualTo(Reason.MISSING_COMPONENT);
  }

  @Test
  void aBodyLargerThanThePolicyAllowsIsRefused() {
    String body = "x".repeat(1025);
    SignedRequest signed =
        sign(
            withHeader(
                withBody(request("POST", "/pay", "shop.example.com"), body),
                "Content-Digest",
                sha256Digest(body)),
            CLIENT_KEY,
            List.of("@method", "@path", "@authority", "content-digest"),
            params(NOW, "client-1"));

    assertThat(reason(verify(signed))).isEqualTo(Reason.BODY_TOO_LARGE);
  }

  @Test
  void aBodyAnnouncedButNotReceivedIsRefused() {
    SignedRequest signed =
        sign(
            request("POST", "/pay", "shop.example.com", "Content-Length", "12"),
            CLIENT_KEY,
            BASIC,
            params(NOW, "client-1"));

    assertThat(reason(verify(signed))).isEqualTo(Reason.BODY_NOT_RECEIVED);
  }

  @Test
  void refusesAnExpiredSignature() {
    SignedRequest old =
        sign(
            request("GET", "/", "shop.example.com"),
            CLIENT_KEY,
            BASIC,
            params(NOW.minusSeconds(301), "client-1"));
    SignedRequest pastExpires =
        sign(
            request("GET", "/", "shop.example.com"),
            CLIENT_KEY,
            BASIC,
            params(NOW.minusSeconds(20), "client-1")
                + ";expires="
                + NOW.minusSeconds(1).getEpochSecond());

    assertThat(reason(verify(old))).isEqualTo(Reason.EXPIRED);
    assertThat(reason(verify(pastExpires))).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void acceptsCreatedInTheFutureWithinTheSkewAndRefusesItBeyond() {
    SignedRequest within =
        sign(
            request("GET", "/", "shop.example.com"),
            CLIENT_KEY,
            BASIC,
            params(NOW.plusSeconds(300), "client-1"));
    SignedRequest beyond =
        sign(
            request("GET", "/", "shop.example.com"),
            CLIENT_KEY,
            BASIC,
            params(NOW.plusSeconds(301), "client-1"));

    assertThat(verify(within)).isInstanceOf(Verified.class);
    assertThat(reason(verify(beyond))).isEqualTo(Reason.CREATED_IN_FUTURE);
  }

  @Test
  void refusesASignatureWithoutCreated() {
    SignedRequest signed =
        sign(request("GET", "/", "shop.example.com"), CLIENT_KEY, BASIC, ";keyid=\"client-1\"");

    assertThat(reason(verify(signed))).isEqualTo(Reason.MISSING_CREATED);
  }

  @Test
  void refusesASignatureMissingARequiredComponent() {
    SignedRequest signed =
        sign(
            request("GET", "/", "shop.example.com"),
            CLIENT_KEY,
            List.of("@method", "@path"),
            params(NOW, "client-1"));

    assertThat(reason(verify(signed))).isEqualTo(Reason.MISSING_COMPONENT);
  }

  @Test
  void refusesAnUnknownKeyid() {
    SignedRequest signed =
        sign(request("GET", "/", "shop.example.com"), CLIENT_KEY, BASIC, params(NOW, "client-2"));

    assertThat(reason(verify(signed))).isEqualTo(Reason.UNKNOWN_KEY);
  }

  @Test
  void refusesASignatureByAnotherKeyUnderAKnownKeyid() {
    SignedRequest signed =
        sign(
            request("GET", "/", "shop.example.com"),
            "not the client's key".getBytes(UTF_8),
            BASIC,
            params(NOW, "client-1"));

    assertThat(reason(verify(signed))).isEqualTo(Reason.SIGNATURE_MISMATCH);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa-pss-sha512", "ed25519", "hmac-sha512"})
  void refusesAnotherAlgorithm(String alg) {
    SignedRequest signed =
        sign(
            request("GET", "/", "shop.example.com"),
            CLIENT_KEY,
            BASIC,
            params(NOW, "client-1") + ";alg=\"" + alg + "\"");

    assertThat(reason(verify(signed))).isEqualTo(Reason.WRONG_ALGORITHM);
  }

  @Test
  void acceptsAlgHmacSha256Named() {
    SignedRequest signed =
        sign(
            request("GET", "/", "shop.example.com"),
            CLIENT_KEY,
            BASIC,
            params(NOW, "client-1") + ";alg=\"hmac-sha256\"");

    assertThat(verify(signed)).isInstanceOf(Verified.class);
  }

  @Test
  void refusesAMissingNonceWhenThePolicyRequiresOne() {
    SignedRequest without = signedGet();
    SignedRequest with =
        sign(
            request("GET", "/", "shop.example.com"),
            CLIENT_KEY,
            BASIC,
            params(NOW, "client-1") + ";nonce=\"n-1\"");
    HmacPolicy policy = policy(NonceRule.REQUIRED);

    assertThat(reason(SignatureVerifier.verify(policy, without, NOW)))
        .isEqualTo(Reason.MISSING_NONCE);
    assertThat(SignatureVerifier.verify(policy, with, NOW))
        .isInstanceOfSatisfying(Verified.class, v -> assertThat(v.nonce()).contains("n-1"));
  }

  @Test
  void refusesARequestWithoutSignatureFields() {
    assertThat(reason(verify(request("GET", "/", "shop.example.com"))))
        .isEqualTo(Reason.MISSING_SIGNATURE);
  }

  @Test
  void refusesACoveredHeaderTheRequestLacks() {
    SignedRequest signed =
        sign(
            request("GET", "/", "shop.example.com", "X-Account", "alice"),
            CLIENT_KEY,
            List.of("@method", "@path", "@authority", "x-account"),
            params(NOW, "client-1"));
    SignedRequest stripped =
        new SignedRequest(
            signed.method(),
            signed.scheme(),
            signed.authority(),
            signed.target(),
            Map.of(
                "signature-input", signed.header("signature-input"),
                "signature", signed.header("signature")),
            signed.body());

    assertThat(reason(verify(stripped))).isEqualTo(Reason.COMPONENT_NOT_IN_REQUEST);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "sig1=(\"@method\" \"@path\";created=1",
        "sig1=(\"@method\" @path)",
        "sig1=(\"@method\"),",
        "Sig1=(\"@method\")",
        "sig1=(\"@method\");created=1;created=2",
        "sig1=(\"@method\" \"@method\");created=1",
        "sig1=(\"@Method\");created=1",
        "sig1=(\"a\\q\")",
        "sig1=(\"@method\")x",
        "sig1=(\"@method\");created=12345678901234567",
      })
  void refusesMalformedSignatureInput(String field) {
    SignedRequest request =
        withHeader(
            withHeader(request("GET", "/", "shop.example.com"), "signature-input", field),
            "signature",
            "sig1=:AAAA:");

    Reason reason = reason(verify(request));

    assertThat(reason).isIn(Reason.MALFORMED_SIGNATURE_INPUT, Reason.MALFORMED_COMPONENTS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sig1=:not base64!:", "sig1=:AAAA", "sig1=\"text\"", "sig1=:AAAA:,,"})
  void refusesMalformedSignature(String field) {
    SignedRequest signed = signedGet();
    SignedRequest broken = withHeader(signed, "signature", field);

    assertThat(reason(verify(broken))).isEqualTo(Reason.MALFORMED_SIGNATURE);
  }

  @Test
  void refusesAnUnsupportedComponent() {
    SignedRequest request =
        withHeader(
            withHeader(
                request("GET", "/", "shop.example.com"),
                "signature-input",
                "sig1=(\"@method\" \"@path\" \"@authority\" \"@status\");created="
                    + NOW.getEpochSecond()
                    + ";keyid=\"client-1\""),
            "signature",
            "sig1=:AAAA:");

    assertThat(reason(verify(request))).isEqualTo(Reason.UNSUPPORTED_COMPONENT);
  }

  @Test
  void refusesAComponentWithParameters() {
    SignedRequest request =
        withHeader(
            withHeader(
                request("GET", "/", "shop.example.com", "X-Dict", "a=1"),
                "signature-input",
                "sig1=(\"@method\" \"@path\" \"@authority\" \"x-dict\";key=\"a\");created="
                    + NOW.getEpochSecond()
                    + ";keyid=\"client-1\""),
            "signature",
            "sig1=:AAAA:");

    assertThat(reason(verify(request))).isEqualTo(Reason.UNSUPPORTED_COMPONENT);
  }

  @Test
  void boundsTheFieldsTheSignaturesAndTheComponents() {
    SignedRequest huge =
        withHeader(signedGet(), "signature-input", "sig1=(\"" + "a".repeat(9000) + "\")");
    StringBuilder five = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      five.append(i == 0 ? "" : ", ").append("s").append(i).append("=(\"@method\")");
    }
    StringBuilder components = new StringBuilder("sig1=(");
    for (int i = 0; i < 33; i++) {
      components.append(i == 0 ? "" : " ").append("\"h").append(i).append('"');
    }
    components.append(')');

    assertThat(reason(verify(huge))).isEqualTo(Reason.FIELD_TOO_LARGE);
    assertThat(reason(verify(withHeader(signedGet(), "signature-input", five.toString()))))
        .isEqualTo(Reason.TOO_MANY_SIGNATURES);
    assertThat(reason(verify(withHeader(signedGet(), "signature-input", components.toString()))))
        .isEqualTo(Reason.TOO_MANY_COMPONENTS);
  }

  @Test
  void refusesALabelWithoutSignature() {
    SignedRequest signed = withHeader(signedGet(), "signature", "other=:AAAA:");

    assertThat(reason(verify(signed))).isEqualTo(Reason.NO_SIGNATURE_FOR_LABEL);
  }

  @Test
  void refusesAHeaderValueWithALineBreakSoNoLineCanBeInjectedIntoTheBase() {
    SignedRequest request = request("GET", "/", "shop.example.com", "X-A", "v\n\"@method\": POST");
    SignedRequest signed =
        withHeader(
            withHeader(
                request,
                "signature-input",
                "sig1=(\"@method\" \"@path\" \"@authority\" \"x-a\");created="
                    + NOW.getEpochSecond()
                    + ";keyid=\"client-1\""),
            "signature",
            "sig1=:AAAA:");

    assertThat(reason(verify(signed))).isEqualTo(Reason.INVALID_COMPONENT_VALUE);
  }

  @Test
  void acceptsWhenAnyOfSeveralSignaturesVerifies() {
    SignedRequest good = signedGet();
    SignedRequest both =
        withHeader(
            withHeader(
                good,
                "signature-input",
                "bad=(\"@method\");created=1;keyid=\"nobody\", "
                    + good.first("signature-input").orElseThrow()),
            "signature",
            "bad=:AAAA:, " + good.first("signature").orElseThrow());

    assertThat(verify(both))
        .isInstanceOfSatisfying(Verified.class, v -> assertThat(v.label()).isEqualTo("sig1"));
  }

  @Test
  void reasonTextsNeverNameKeysOrBases() {
    for (Reason reason : Reason.values()) {
      assertThat(reason.text()).doesNotContain("\n").doesNotContain("@signature-params");
      assertThat(reason.text().length()).isLessThan(80);
    }
    assertThat(HmacKey.of(CLIENT_KEY).toString()).doesNotContain(new String(CLIENT_KEY, UTF_8));
  }
}
