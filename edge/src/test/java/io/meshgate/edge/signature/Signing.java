package io.meshgate.edge.signature;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Signs requests as a client does, for the tests: RFC 9421 with hmac-sha256. */
final class Signing {
  /** RFC 9421 Appendix B.1.5: test-shared-secret. */
  static final byte[] RFC_SHARED_SECRET =
      Base64.getDecoder()
          .decode(
              "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==");

  static final byte[] CLIENT_KEY = "a shared key of the test client, 32b".getBytes(UTF_8);

  private Signing() {}

  static HmacPolicy policy(NonceRule nonce) {
    return new HmacPolicy(
        "shop/signed",
        Map.of(
            "client-1",
            HmacKey.of(CLIENT_KEY),
            "test-shared-secret",
            HmacKey.of(RFC_SHARED_SECRET)),
        List.of("@method", "@path", "@authority"),
        Duration.ofSeconds(300),
        nonce,
        StoreFailure.REFUSE,
        1024);
  }

  /** A request of this method, target, authority and headers (name, value, ...), no body. */
  static SignedRequest request(String method, String target, String authority, String... headers) {
    return new SignedRequest(
        method, "https", authority, target, headerMap(headers), Optional.empty());
  }

  static SignedRequest withBody(SignedRequest request, String body) {
    Map<String, List<String>> headers = new LinkedHashMap<>(request.headers());
    byte[] bytes = body.getBytes(UTF_8);
    headers.put("content-length", List.of(Integer.toString(bytes.length)));
    return new SignedRequest(
        request.method(),
        request.scheme(),
        request.authority(),
        request.target(),
        headers,
        Optional.of(bytes));
  }

  static SignedRequest withHeader(SignedRequest request, String name, String value) {
    Map<String, List<String>> headers = new LinkedHashMap<>(request.headers());
    headers.put(name, List.of(value));
    return new SignedRequest(
        request.method(),
        request.scheme(),
        request.authority(),
        request.target(),
        headers,
        request.body());
  }

  static String sha256Digest(String body) {
    return "sha-256=:"
        + Base64.getEncoder().encodeToString(ContentDigest.digest("SHA-256", body.getBytes(UTF_8)))
        + ":";
  }

  /**
   * The request with Signature-Input and Signature added under label {@code sig1}: {@code params}
   * is the serialized parameter list like {@code ;created=1;keyid="client-1"}.
   */
  static SignedRequest sign(
      SignedRequest request, byte[] key, List<String> components, String params) {
    String base = SignatureBase.forClient(request, components, params).orElseThrow();
    byte[] mac = SignatureVerifier.hmac(HmacKey.of(key), base);
    StringBuilder input = new StringBuilder("sig1=(");
    for (int i = 0; i < components.size(); i++) {
      input.append(i == 0 ? "" : " ").append('"').append(components.get(i)).append('"');
    }
    input.append(')').append(params);
    SignedRequest signed = withHeader(request, "signature-input", input.toString());
    return withHeader(
        signed, "signature", "sig1=:" + Base64.getEncoder().encodeToString(mac) + ":");
  }

  static String params(Instant created, String keyid) {
    return ";created=" + created.getEpochSecond() + ";keyid=\"" + keyid + "\"";
  }

  private static Map<String, List<String>> headerMap(String... headers) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      map.computeIfAbsent(headers[i], n -> new ArrayList<>()).add(headers[i + 1]);
    }
    return map;
  }
}
