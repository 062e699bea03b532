package io.meshgate.testkit.ads;

/**
 * What a state-of-the-world client records as the version of each resource it holds; the protocol
 * gives one version per response, not per resource.
 */
public enum SotwVersions {
  /** The response's {@code version_info}: cheap, and all a client needs to ACK. */
  RESPONSE_VERSION,
  /**
   * {@link ContentHash} of the resource's bytes, what meshgate's delta versions are: so a SotW
   * client's holdings compare with a delta client's. Costs a SHA-256 per resource received.
   */
  CONTENT_HASH
}
