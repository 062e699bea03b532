package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The HMAC message signatures (RFC 9421) a route demands (a SecurityPolicy's {@code hmac}), for
 * Envoy's per-route check settings and for meshgate's signature service. The keys are a reference
 * and a fingerprint, never bytes: the service reads them from the key ring.
 *
 * @param name {@code <namespace>/<policy>}: what the route's check names, and the service's policy
 * @param keys the Secret whose keys are the keyids and whose values are the shared keys
 * @param components the components every signature must cover
 * @param maxSkewSeconds how far {@code created} may be from the service's clock, either way
 * @param requireNonce every signature carries a nonce, accepted once
 * @param failOpen a validly signed request passes when the nonce store cannot answer
 * @param maxBodyBytes the largest body Envoy buffers and sends with the check
 * @param policy the SecurityPolicy it comes from
 */
public record HmacIr(
    String name,
    SecretValuesIr keys,
    List<String> components,
    long maxSkewSeconds,
    boolean requireNonce,
    boolean failOpen,
    int maxBodyBytes,
    SourceRef policy) {
  public HmacIr {
    requireNonNull(name, "name");
    requireNonNull(keys, "keys");
    components = Lists.copy(components);
    requireNonNull(policy, "policy");
  }
}
