package io.meshgate.xds.metrics;

import io.meshgate.discovery.EndpointDiscovery;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The answers of outside sources ({@code meshgate_discovery_syncs_total}), counted by kind and
 * outcome as discovery tells them. A Consul source through Connect counts as {@code consul}, as in
 * {@code meshgate_discovery_sources}. Counters are made once: an answer is a map lookup.
 */
final class DiscoveryMeters implements EndpointDiscovery.Syncs {
  private final Map<String, Counter> counters = new HashMap<>();

  DiscoveryMeters(MeterRegistry registry) {
    for (String kind : PipelineMeters.SOURCE_KINDS) {
      for (EndpointDiscovery.SyncOutcome outcome : EndpointDiscovery.SyncOutcome.values()) {
        counters.put(
            key(kind, outcome),
            Counter.builder(NodeMetrics.DISCOVERY_SYNCS)
                .description("Answers of outside sources, by kind and outcome")
                .tags("source", kind, "outcome", outcome.name().toLowerCase(Locale.ROOT))
                .register(registry));
      }
    }
  }

  private static String key(String kind, EndpointDiscovery.SyncOutcome outcome) {
    return kind + " " + outcome;
  }

  @Override
  public void synced(String kind, EndpointDiscovery.SyncOutcome outcome) {
    String counted = kind.startsWith("consul") ? "consul" : kind;
    Counter counter = counters.get(key(counted, outcome));
    if (counter != null) {
      counter.increment();
    }
  }
}
