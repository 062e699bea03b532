package io.meshgate.edge.transform;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * What templates may read of a request: its headers (lower-case names), path, method and the
 * verified JWT's top-level claims as text (strings as they are, other values as JSON).
 */
public record RequestData(
    Map<String, String> headers, String path, String method, Map<String, String> claims) {
  public static final RequestData NONE = new RequestData(Map.of(), "", "", Map.of());

  public RequestData {
    headers = Map.copyOf(headers);
    requireNonNull(path, "path");
    requireNonNull(method, "method");
    claims = Map.copyOf(claims);
  }
}
