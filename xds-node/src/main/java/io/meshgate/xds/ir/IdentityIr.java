package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/**
 * A group's mesh identity: its SPIFFE ID, which names the SDS Secret of its certificate, and its
 * trust domain's ID, which names the Secret of the bundle.
 */
public record IdentityIr(String spiffeId, String trustBundle) {
  public IdentityIr {
    requireNonNull(spiffeId, "spiffeId");
    requireNonNull(trustBundle, "trustBundle");
  }
}
