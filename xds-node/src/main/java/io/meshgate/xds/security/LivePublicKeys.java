package io.meshgate.xds.security;

import java.util.Optional;

/**
 * A {@link PublicKeySource} held in memory and kept current (within a second) by watching the
 * store, so a {@link TokenVerifier} asks it on every token instead of caching: a key deleted to
 * revoke it is refused at once.
 */
public interface LivePublicKeys extends PublicKeySource {
  /** Whether the keys were read at least once; until then the verifier uses its cache. */
  boolean loaded();

  /** The key {@code kid} as stored now; empty once deleted. */
  Optional<PublicKeyEntry> find(String kid);
}
