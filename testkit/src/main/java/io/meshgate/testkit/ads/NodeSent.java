package io.meshgate.testkit.ads;

/** Which requests of a stream carry the node. */
public enum NodeSent {
  /** Every request, ACKs and NACKs included. */
  ON_EVERY_REQUEST,
  /**
   * As Envoy does by default: in delta only the stream's first request, in state of the world every
   * request ({@code set_node_on_first_message_only} off).
   */
  AS_ENVOY_DOES
}
