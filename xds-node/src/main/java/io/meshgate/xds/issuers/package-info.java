/**
 * issuers: the pipeline's OIDC-discovery input. {@link io.meshgate.xds.issuers.IssuerDiscovery} is
 * the only code that fetches an issuer's {@code .well-known/openid-configuration}: in the
 * background, refreshed periodically, the last good document kept when a refresh fails. The pure
 * stages get what it knows as data, an immutable {@link io.meshgate.xds.issuers.IssuerSnapshot}.
 */
@NullMarked
package io.meshgate.xds.issuers;

import org.jspecify.annotations.NullMarked;
