/**
 * keys: the pipeline's key-material input. {@link io.meshgate.xds.keys.KeyLoader} is the only code
 * that reads or unseals key material — a Secret's sealed key with the replica's seal key, a PEM
 * file only below the node's {@link io.meshgate.xds.keys.CertificateDirs} — and it watches the
 * files it read. What it opened reaches the pure stages as data, an immutable {@link
 * io.meshgate.xds.keys.KeyRing}. Key bytes leave this package only inside the SDS Secrets built for
 * authenticated streams; every message and string form here names a key without showing it.
 */
package io.meshgate.xds.keys;
