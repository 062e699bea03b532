package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

/** One entry of a request's descriptor, as Envoy's rate limit actions produce it. */
public record Entry(String key, String value) {
  public Entry {
    requireNonNull(key, "key");
    requireNonNull(value, "value");
  }
}
