/**
 * Issues mesh identities to proxyless gRPC services: an agent ({@code meshgate identity}) sends a
 * CSR on a stream authenticated like a proxy's, and the node answers with a certificate for the
 * SPIFFE ID its credential names, signed by the node's {@link
 * io.meshgate.meshbridge.identity.IdentitySource} ({@link
 * io.meshgate.xds.identity.IdentityService}). It never reads an identity out of a CSR and never
 * sees a workload's private key.
 */
@NullMarked
package io.meshgate.xds.identity;

import org.jspecify.annotations.NullMarked;
