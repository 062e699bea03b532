package io.meshgate.testkit.ads;

/** The ADS variant a stream speaks. */
public enum Protocol {
  /** Incremental xDS: per-resource versions, subscribe and unsubscribe by name, removals. */
  DELTA,
  /** State of the world: one version per response, every request names the whole subscription. */
  SOTW
}
