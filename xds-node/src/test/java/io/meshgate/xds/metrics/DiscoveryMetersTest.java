package io.meshgate.xds.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.discovery.EndpointDiscovery.SyncOutcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class DiscoveryMetersTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final DiscoveryMeters meters = new DiscoveryMeters(registry);

  private double count(String source, String outcome) {
    return registry
        .get("meshgate.discovery.syncs")
        .tags("source", source, "outcome", outcome)
        .counter()
        .count();
  }

  @Test
  void answersAreCountedByKindAndOutcomeAndConsulConnectCountsAsConsul() {
    meters.synced("consul", SyncOutcome.CHANGED);
    meters.synced("consul-connect", SyncOutcome.CHANGED);
    meters.synced("nomad", SyncOutcome.FAILED);
    meters.synced("dns", SyncOutcome.UNCHANGED);
    meters.synced("dns", SyncOutcome.UNCHANGED);

    assertThat(count("consul", "changed")).isEqualTo(2);
    assertThat(count("nomad", "failed")).isEqualTo(1);
    assertThat(count("dns", "unchanged")).isEqualTo(2);
    assertThat(count("consul", "failed")).isZero();
  }

  @Test
  void anUnknownKindIsNotCountedAndAddsNoSeries() {
    int before = registry.getMeters().size();

    meters.synced("zookeeper", SyncOutcome.CHANGED);

    assertThat(registry.getMeters()).hasSize(before);
    assertThat(registry.find("meshgate.discovery.syncs").tag("source", "zookeeper").counter())
        .isNull();
  }
}
