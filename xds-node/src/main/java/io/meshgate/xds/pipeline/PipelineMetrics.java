package io.meshgate.xds.pipeline;

import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.meshbridge.identity.Identities;

/**
 * What the pipeline tells the node's metrics after each build, on its thread: an implementation
 * only counts and keeps what it needs, never blocks.
 */
public interface PipelineMetrics {
  PipelineMetrics NONE = (build, identities, discovered, nanos) -> {};

  /**
   * One build was published.
   *
   * @param identities the workload certificates the build was given (their expiry)
   * @param discovered what the outside sources held at the build (their staleness)
   * @param nanos the whole rebuild, inputs gathered to snapshots published
   */
  void built(
      SnapshotBuilder.Build build,
      Identities identities,
      EndpointDiscovery.Discovered discovered,
      long nanos);

  /** What woke the holdoff: an input of the pipeline changed (any thread). */
  enum Input {
    /** A new config snapshot from the view. */
    CONFIG,
    /** Key material, an identity source or an issuer's discovery document. */
    KEYS,
    /** The Workloads agents hold registered. */
    REGISTRATIONS,
    /** What the outside sources (Consul, Nomad, DNS) hold. */
    DISCOVERY
  }

  /** An input changed; the holdoff decides when it is built (any thread). */
  default void changed(Input input) {}

  /** The holdoff started a rebuild, for this reason (on the pipeline's thread). */
  default void released(Holdoff.Release release) {}

  /**
   * A rebuild failed as a whole (a bug, or stored config an earlier release accepted that this one
   * cannot use): nothing was published, every proxy keeps its last good config.
   */
  default void failed() {}
}
