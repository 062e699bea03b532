package io.meshgate.edge.transform;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What one route does to JSON bodies: operations on the request body and on the response body, in
 * order, for bodies up to {@code maxBytes}.
 *
 * @param name how Envoy names it (gRPC initial metadata {@code x-meshgate-transform})
 */
public record Transformation(
    String name, List<Operation> request, List<Operation> response, int maxBytes) {
  public Transformation {
    requireNonNull(name, "name");
    request = List.copyOf(request);
    response = List.copyOf(response);
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: at least 1)");
    }
  }
}
