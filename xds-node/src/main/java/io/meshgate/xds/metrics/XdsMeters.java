package io.meshgate.xds.metrics;

import io.meshgate.xds.serve.ServeMetrics;
import io.meshgate.xds.snapshot.TypeUrls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ADS streams' meters. Per type URL they are resolved once, at registration (a type URL a proxy
 * makes up counts as {@code other}); ACKs and NACKs by group once per group and type. A response
 * costs a map lookup, a counter and a summary; nothing else is allocated.
 */
final class XdsMeters implements ServeMetrics {
  static final String OTHER = "other";

  /** One type URL's meters. */
  private record TypeMeters(
      String label,
      AtomicLong sotwStreams,
      AtomicLong deltaStreams,
      Counter responses,
      DistributionSummary sizes,
      Timer queue) {}

  private final MeterRegistry registry;
  private final Map<String, TypeMeters> types = new HashMap<>();
  private final TypeMeters other;
  private final Map<String, Map<String, Counter>> acks = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Counter>> nacks = new ConcurrentHashMap<>();
  private final Map<Refusal, Counter> refused = new EnumMap<>(Refusal.class);
  private final Timer convergence;
  private final Convergence converged;

  XdsMeters(MeterRegistry registry, Convergence.Events applied, Clock clock) {
    this.registry = registry;
    for (String typeUrl : TypeUrls.ALL) {
      types.put(typeUrl, typeMeters(registry, typeUrl));
    }
    this.other = typeMeters(registry, OTHER);
    for (Refusal reason : Refusal.values()) {
      refused.put(
          reason,
          Counter.builder(NodeMetrics.REFUSED)
              .description("ADS streams refused before they were served, by reason")
              .tag("reason", reason.name().toLowerCase())
              .register(registry));
    }
    this.convergence =
        Timer.builder(NodeMetrics.CONVERGENCE)
            .description(
                "From a config event's Kafka record timestamp to a proxy's ACK of everything its"
                    + " group's snapshot holding that event gives it, once per proxy and event")
            .serviceLevelObjectives(NodeMetrics.latencyBuckets())
            .register(registry);
    this.converged =
        new Convergence(
            applied, clock::millis, ms -> convergence.record(ms, TimeUnit.MILLISECONDS));
  }

  private static TypeMeters typeMeters(MeterRegistry registry, String typeUrl) {
    AtomicLong sotw = new AtomicLong();
    AtomicLong delta = new AtomicLong();
    String label = typeUrl.equals(OTHER) ? OTHER : shortType(typeUrl);
    Gauge.builder(NodeMetrics.STREAMS, sotw, AtomicLong::get)
        .description("ADS streams connected that asked for the type, by protocol")
        .tags("type", label, "protocol", "sotw")
        .register(registry);
    Gauge.builder(NodeMetrics.STREAMS, delta, AtomicLong::get)
        .description("ADS streams connected that asked for the type, by protocol")
        .tags("type", label, "protocol", "delta")
        .register(registry);
    return new TypeMeters(
        label,
        sotw,
        delta,
        Counter.builder(NodeMetrics.RESPONSES)
            .description("xDS responses sent, by type")
            .tag("type", label)
            .register(registry),
        DistributionSummary.builder(NodeMetrics.RESPONSE_SIZE)
            .description("Serialized size of the xDS responses sent, by type")
            .baseUnit("bytes")
            .tag("type", label)
            .serviceLevelObjectives(
                1024, 4096, 16384, 65536, 262144, 1048576, 2097152, NodeMetrics.MAX_RESPONSE_BYTES)
            .register(registry),
        Timer.builder(NodeMetrics.PUSH_QUEUE)
            .description(
                "From a snapshot's publication to the push of its new version to a stream, by type")
            .tag("type", label)
            .serviceLevelObjectives(NodeMetrics.latencyBuckets())
            .register(registry));
  }

  /** {@code type.googleapis.com/envoy.config.cluster.v3.Cluster} → {@code Cluster}. */
  static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }

  private TypeMeters type(String typeUrl) {
    TypeMeters meters = types.get(typeUrl);
    return meters == null ? other : meters;
  }

  @Override
  public void subscribed(String typeUrl, boolean delta) {
    TypeMeters meters = type(typeUrl);
    (delta ? meters.deltaStreams() : meters.sotwStreams()).incrementAndGet();
  }

  @Override
  public void unsubscribed(String typeUrl, boolean delta) {
    TypeMeters meters = type(typeUrl);
    (delta ? meters.deltaStreams() : meters.sotwStreams()).decrementAndGet();
  }

  @Override
  public void pushed(String typeUrl, int bytes, long queuedNanos) {
    TypeMeters meters = type(typeUrl);
    meters.responses().increment();
    meters.sizes().record(bytes);
    if (queuedNanos >= 0) {
      meters.queue().record(queuedNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void acked(String typeUrl, String group) {
    answer(acks, NodeMetrics.ACKS, "xDS responses ACKed, by type and group", typeUrl, group)
        .increment();
  }

  @Override
  public void nacked(String typeUrl, String group) {
    answer(nacks, NodeMetrics.NACKS, "xDS responses NACKed, by type and group", typeUrl, group)
        .increment();
  }

  private Counter answer(
      Map<String, Map<String, Counter>> byGroup,
      String name,
      String description,
      String typeUrl,
      String group) {
    String label = type(typeUrl).label();
    return byGroup
        .computeIfAbsent(group, g -> new ConcurrentHashMap<>())
        .computeIfAbsent(
            label,
            t ->
                Counter.builder(name)
                    .description(description)
                    .tags("type", t, "group", group)
                    .register(registry));
  }

  @Override
  public void refused(Refusal reason) {
    refused.get(reason).increment();
  }

  @Override
  public void converged(long from, long to) {
    converged.converged(from, to);
  }
}
