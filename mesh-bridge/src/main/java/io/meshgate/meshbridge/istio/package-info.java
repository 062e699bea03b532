/**
 * Identities from Istio's CA: {@link io.meshgate.meshbridge.istio.IstioCaSource} sends istiod a CSR
 * for its own workload ID with the service account token as bearer, as an Istio sidecar does, and
 * keeps the answer current. The private key is made here and stays in this process's memory; it is
 * never logged, printed or written. The token is read from its file for each request and is never
 * logged either.
 */
@NullMarked
package io.meshgate.meshbridge.istio;

import org.jspecify.annotations.NullMarked;
