package io.meshgate.meshbridge.ca;

/** How an ECDSA signature's nonce is chosen. */
public enum Signing {
  /** A fresh random nonce: the usual choice when nobody needs to reproduce the bytes. */
  RANDOMIZED,
  /**
   * The nonce derived from the key and the message (RFC 6979): the same certificate signed twice
   * gives the same bytes, so replicas that issue the same leaf agree byte for byte.
   */
  DETERMINISTIC
}
