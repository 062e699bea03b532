package io.meshgate.edge.signature;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one signature policy demands: its keys by keyid, the components every signature must cover
 * ({@code content-digest} is demanded on top whenever the request has a body), the allowed clock
 * skew (also the longest a signature lives), the nonce rule, what to do when the nonce store is
 * down, and the largest body it verifies.
 */
public record HmacPolicy(
    String name,
    Map<String, HmacKey> keys,
    List<String> requiredComponents,
    Duration maxSkew,
    NonceRule nonce,
    StoreFailure onStoreFailure,
    int maxBodyBytes) {
  /** The largest {@code maxSkew}: one hour. */
  public static final Duration MAX_SKEW = Duration.ofHours(1);

  /** The largest body any policy verifies: 1 MiB (Envoy buffers it before calling). */
  public static final int MAX_BODY_BYTES = 1 << 20;

  public HmacPolicy {
    requireNonNull(name, "name");
    keys = Collections.unmodifiableMap(new TreeMap<>(keys));
    requiredComponents = List.copyOf(requiredComponents);
    requireNonNull(maxSkew, "maxSkew");
    requireNonNull(nonce, "nonce");
    requireNonNull(onStoreFailure, "onStoreFailure");
    if (maxSkew.isNegative() || maxSkew.isZero() || maxSkew.compareTo(MAX_SKEW) > 0) {
      throw new IllegalArgumentException("maxSkew: " + maxSkew + " (expected: 1s..1h)");
    }
    if (maxBodyBytes < 0 || maxBodyBytes > MAX_BODY_BYTES) {
      throw new IllegalArgumentException(
          "maxBodyBytes: " + maxBodyBytes + " (expected: 0.." + MAX_BODY_BYTES + ")");
    }
  }

  Optional<HmacKey> key(String keyid) {
    return Optional.ofNullable(keys.get(keyid));
  }
}
