/**
 * Identities from Istio's CA, two ways. {@link io.meshgate.meshbridge.istio.IstioCaSource} sends
 * istiod a CSR for its own workload ID with the service account token as bearer, as an Istio
 * sidecar does, and keeps the answer current; the private key is made here and stays in this
 * process's memory, and the token is read from its file for each request. {@link
 * io.meshgate.meshbridge.istio.PluggedCaSource} signs workload identities itself with the mesh's
 * plugged-in intermediate CA (the {@code cacerts} files istiod reads), so istiod is not asked at
 * all. No key or token is ever logged, printed or written.
 */
@NullMarked
package io.meshgate.meshbridge.istio;

import org.jspecify.annotations.NullMarked;
