package io.meshgate.meshbridge.identity;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The roots a trust domain's peers must accept, PEM, oldest first: one root, or two while a
 * rotation overlaps them.
 */
public record TrustBundle(String trustDomain, List<String> rootsPem) {
  public TrustBundle {
    requireNonNull(trustDomain, "trustDomain");
    rootsPem = List.copyOf(rootsPem);
  }

  /** Every root, concatenated: what a {@code ca.crt} file or a validation context holds. */
  public String pem() {
    return String.join("", rootsPem);
  }

  /** The name its SDS Secret is served under: the trust domain's SPIFFE ID. */
  public String secretName() {
    return SpiffeId.trustDomainId(trustDomain);
  }
}
