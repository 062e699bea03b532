package io.meshgate.xds.security;

import java.util.List;

/**
 * Where a {@link TokenVerifier} finds the keys that may have signed a token: every stored key,
 * current and retired. {@link TokenKeys} reads them from etcd; tests give them directly.
 */
@FunctionalInterface
public interface PublicKeySource {
  /**
   * Every key that verifies tokens, in no particular order.
   *
   * @throws RuntimeException if the store cannot be read; the verifier then keeps the keys it has
   */
  List<PublicKeyEntry> publicKeys();
}
