package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Where a route's credentials are: values of an Opaque Secret, by reference and fingerprint, never
 * the values themselves. The envoy stage reads them from the key ring; a changed value is a new
 * envelope and fingerprint, so a changed route and a new route version.
 *
 * @param namespace the Secret's namespace (the policy's)
 * @param secretName the Secret's name
 * @param keys the keys of the Secret that are used, sorted: every client id for API keys, the one
 *     htpasswd key for basic auth
 * @param fingerprint the fingerprint of the Secret's sealed envelope, as the key ring holds it
 *     (never a hash of the values)
 */
public record SecretValuesIr(
    String namespace, String secretName, List<String> keys, String fingerprint) {
  public SecretValuesIr {
    requireNonNull(namespace, "namespace");
    requireNonNull(secretName, "secretName");
    keys = Lists.copy(keys).stream().sorted().toList();
    requireNonNull(fingerprint, "fingerprint");
  }
}
