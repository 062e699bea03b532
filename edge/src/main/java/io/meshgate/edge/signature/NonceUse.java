package io.meshgate.edge.signature;

/** Whether a nonce was seen for the first time or before. */
public enum NonceUse {
  FIRST,
  REPLAYED
}
