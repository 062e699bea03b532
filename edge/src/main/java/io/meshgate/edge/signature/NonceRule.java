package io.meshgate.edge.signature;

/** Whether a signature must carry a {@code nonce}, which is then accepted once. */
public enum NonceRule {
  /** Every signature carries a nonce; a nonce seen before is refused (needs Redis). */
  REQUIRED,
  /** A nonce is not needed and not checked: a captured request can be replayed within maxSkew. */
  NOT_CHECKED
}
