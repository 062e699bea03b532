package io.meshgate.xds.issuers;

import static java.util.Objects.requireNonNull;

/**
 * What meshgate saw of a remote key set the last time it fetched one: how many keys, and a
 * fingerprint that changes when the document does. Public keys only, and not even those: the
 * resolver never needs them, because Envoy fetches the keys itself.
 *
 * @param keys the number of JWKs in {@code keys}
 * @param fingerprint the first 8 bytes of the document's SHA-256, in hex
 */
public record KeySet(int keys, String fingerprint) {
  public KeySet {
    requireNonNull(fingerprint, "fingerprint");
  }

  @Override
  public String toString() {
    return keys + (keys == 1 ? " key" : " keys") + ", sha-256 " + fingerprint;
  }
}
