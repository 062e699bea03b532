package io.meshgate.edge.signature;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext.HttpRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Envoy's {@code CheckRequest} as a {@link SignedRequest}. Envoy sends the headers either as {@code
 * header_map} (with {@code encode_raw_headers}, each value of a repeated field apart, which the
 * signature base needs) or as {@code headers} (repeated fields already joined by {@code ","});
 * pseudo-headers are dropped, since the derived components come from method, path, host and scheme.
 * The body is {@code raw_body} (with {@code pack_as_bytes}) or {@code body}.
 */
final class CheckRequests {
  /** The context extension naming the policy, set per route by Envoy's {@code check_settings}. */
  static final String POLICY_EXTENSION = "meshgate-hmac-policy";

  private CheckRequests() {}

  static Optional<String> policyName(CheckRequest request) {
    return Optional.ofNullable(
        request.getAttributes().getContextExtensionsMap().get(POLICY_EXTENSION));
  }

  static SignedRequest signedRequest(CheckRequest check) {
    HttpRequest http = check.getAttributes().getRequest().getHttp();
    Map<String, List<String>> headers = new LinkedHashMap<>();
    if (http.hasHeaderMap()) {
      for (HeaderValue header : http.getHeaderMap().getHeadersList()) {
        String value =
            header.getRawValue().isEmpty()
                ? header.getValue()
                : header.getRawValue().toString(StandardCharsets.UTF_8);
        add(headers, header.getKey(), value);
      }
    } else {
      http.getHeadersMap().forEach((name, value) -> add(headers, name, value));
    }
    byte[] body =
        !http.getRawBody().isEmpty()
            ? http.getRawBody().toByteArray()
            : http.getBody().getBytes(StandardCharsets.UTF_8);
    String scheme = http.getScheme().isEmpty() ? "https" : http.getScheme();
    return new SignedRequest(
        http.getMethod(),
        scheme,
        http.getHost(),
        http.getPath(),
        headers,
        body.length == 0 ? Optional.empty() : Optional.of(body));
  }

  private static void add(Map<String, List<String>> headers, String name, String value) {
    if (name.startsWith(":")) {
      return;
    }
    headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
  }
}
