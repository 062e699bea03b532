/**
 * Listener private keys: unsealed from Secrets with the replica's seal key, or read from PEM files
 * below the node's cert dirs ({@link io.meshgate.xds.keys.CertificateDirs}, the one place the node
 * reads a file a resource names). Key bytes leave this package only inside the SDS Secrets built
 * for authenticated streams; every message and string form here names a key without showing it.
 */
package io.meshgate.xds.keys;
