package io.meshgate.xds.serve;

/**
 * What the ADS streams tell the node's metrics. Called on gRPC's threads and the pipeline's, with a
 * stream's lock held: an implementation only counts, never blocks. Labels it may derive are
 * bounded: a type URL, a group, a protocol, a reason; never a node id.
 */
public interface ServeMetrics {
  ServeMetrics NONE = new ServeMetrics() {};

  /** Why a stream was refused before it was served. */
  enum Refusal {
    /** The replica serves its maximum of streams (RESOURCE_EXHAUSTED). */
    FULL,
    /** Over the rate of new streams (UNAVAILABLE). */
    TOO_FAST,
    /** The authorizer refused its credential or its group. */
    DENIED,
    /** A node id over {@link StreamPeer#MAX_NODE_ID_BYTES} (INVALID_ARGUMENT). */
    INVALID_NODE
  }

  /** An admitted stream asked for {@code typeUrl} for the first time. */
  default void subscribed(String typeUrl, boolean delta) {}

  /** An admitted stream that had asked for {@code typeUrl} ended. */
  default void unsubscribed(String typeUrl, boolean delta) {}

  /**
   * A response went out.
   *
   * @param bytes its serialized size
   * @param queuedNanos for a push of a new version to a stream that had been sent an earlier one:
   *     how long since the snapshot holding it was published; -1 for any other response
   */
  default void pushed(String typeUrl, int bytes, long queuedNanos) {}

  /** The proxy ACKed a response of {@code typeUrl}. */
  default void acked(String typeUrl, String group) {}

  /** The proxy NACKed a response of {@code typeUrl}. */
  default void nacked(String typeUrl, String group) {}

  /** A stream was refused. */
  default void refused(Refusal reason) {}

  /**
   * A stream that held everything its group's config gave it as of etcd revision {@code from} now
   * holds everything as of {@code to} (every type it was sent ACKed at its group's current
   * snapshot): the config events applied in between reached its proxy now.
   */
  default void converged(long from, long to) {}
}
