package io.meshgate.edge.signature;

/** What a policy answers when the nonce store (Redis) cannot answer in time. */
public enum StoreFailure {
  /**
   * The request is refused (401): a signature policy protects something, and without the store a
   * replay cannot be told apart from a first use. The default.
   */
  REFUSE,
  /** The request passes on a valid signature alone: availability over replay protection. */
  ALLOW
}
