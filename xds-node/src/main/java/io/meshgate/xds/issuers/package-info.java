/**
 * issuers: the pipeline's input of documents fetched from identity providers. {@link
 * io.meshgate.xds.issuers.IssuerDiscovery} is the only code that fetches an issuer's {@code
 * .well-known/openid-configuration} and the remote JWT key sets a config names: in the background,
 * refreshed periodically, the last good document kept when a refresh fails. The pure stages get
 * what it knows as data, an immutable {@link io.meshgate.xds.issuers.IssuerSnapshot}.
 */
@NullMarked
package io.meshgate.xds.issuers;

import org.jspecify.annotations.NullMarked;
