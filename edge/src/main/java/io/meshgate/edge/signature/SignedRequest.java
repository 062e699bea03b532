package io.meshgate.edge.signature;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The parts of an HTTP request a signature can cover, as the proxy saw them: method, scheme,
 * authority ({@code Host} / {@code :authority}), the request target in origin form (path and
 * query), header fields by lower-case name (each value as received; several values of one field in
 * order), and the body when the proxy sent it.
 */
public record SignedRequest(
    String method,
    String scheme,
    String authority,
    String target,
    Map<String, List<String>> headers,
    Optional<byte[]> body) {
  public SignedRequest {
    requireNonNull(method, "method");
    requireNonNull(scheme, "scheme");
    requireNonNull(authority, "authority");
    requireNonNull(target, "target");
    requireNonNull(body, "body");
    TreeMap<String, List<String>> lower = new TreeMap<>();
    headers.forEach(
        (name, values) ->
            lower
                .computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                .addAll(values));
    lower.replaceAll((name, values) -> List.copyOf(values));
    headers = Collections.unmodifiableMap(lower);
  }

  /** The values of one header field (any case), or none. */
  public List<String> header(String name) {
    return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }

  /** The first value of one header field. */
  public Optional<String> first(String name) {
    List<String> values = header(name);
    return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /**
   * Whether the request carries a body: bytes were received, or the headers announce some (a
   * non-zero {@code Content-Length}, or {@code Transfer-Encoding}).
   */
  public boolean hasBody() {
    if (body.isPresent() && body.get().length > 0) {
      return true;
    }
    if (!header("transfer-encoding").isEmpty()) {
      return true;
    }
    return first("content-length").map(length -> !length.trim().equals("0")).orElse(false);
  }
}
