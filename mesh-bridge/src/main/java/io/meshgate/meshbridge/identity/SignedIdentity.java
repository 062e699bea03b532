package io.meshgate.meshbridge.identity;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A certificate signed for a workload that keeps its own private key (it sent only the public half,
 * as a CSR): the chain, PEM, and the bundle to trust with it.
 *
 * @param refreshAt when the workload should ask again (2/3 of the certificate's life by default)
 */
public record SignedIdentity(
    SpiffeId id, String chainPem, TrustBundle bundle, Instant notAfter, Instant refreshAt) {
  public SignedIdentity {
    requireNonNull(id, "id");
    requireNonNull(chainPem, "chainPem");
    requireNonNull(bundle, "bundle");
    requireNonNull(notAfter, "notAfter");
    requireNonNull(refreshAt, "refreshAt");
  }
}
