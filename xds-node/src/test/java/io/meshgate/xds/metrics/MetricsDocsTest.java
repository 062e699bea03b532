package io.meshgate.xds.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.apply.AppliedEvent;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.pipeline.AppliedRecords;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.serve.ServeMetrics;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md and the meters agree: every {@code meshgate_} series a replica's registry exposes
 * once each meter was used is listed there, and every series listed there is exposed.
 */
class MetricsDocsTest {
  static final Path DOCS = Path.of("..", "docs", "metrics.md");

  /** A table row's first cell: {@code | `meshgate_xds_acks_total` | counter | ...}. */
  private static final Pattern DOCUMENTED = Pattern.compile("(?m)^\\| `(meshgate_[a-z0-9_]+)`");

  private static final Pattern FAMILY = Pattern.compile("(?m)^# TYPE (meshgate_[a-z0-9_]+) ");

  /** A scrape of a registry on which every meter was registered and used once. */
  static String scrapeWithEveryMeterUsed() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Instant now = Instant.parse("2026-12-07T10:00:00Z");
    NodeMetrics metrics =
        NodeMetrics.register(
            registry,
            (after, upTo) ->
                List.of(
                    new AppliedRecords.Applied(
                        upTo, "meshgate.config", 0, 1, now.toEpochMilli() - 250, Optional.empty())),
            new SnapshotStore(),
            Optional::empty,
            Clock.fixed(now, ZoneOffset.UTC));
    ServeMetrics serve = metrics.serve();
    serve.subscribed(TypeUrls.LISTENER, false);
    serve.pushed(TypeUrls.LISTENER, 1200, 1_000_000);
    serve.acked(TypeUrls.LISTENER, "default/edge");
    serve.nacked(TypeUrls.CLUSTER, "default/edge");
    serve.refused(ServeMetrics.Refusal.FULL);
    serve.converged(1, 2);
    metrics
        .applier()
        .applied(
            new AppliedEvent(
                "meshgate.config",
                0,
                now.toEpochMilli() - 100,
                AppliedEvent.Result.ACCEPTED,
                Duration.ofMillis(12),
                Duration.ofMillis(3)));
    metrics.applier().lag("meshgate.config", 0, 4);
    metrics
        .pipeline()
        .built(
            new SnapshotBuilder.Build(
                List.of(),
                new ResolvedIr(List.of(), List.of()),
                0,
                new SnapshotBuilder.StageTimes(1_000, 2_000, 3_000, 4_000)),
            Identities.empty(),
            EndpointDiscovery.Discovered.empty(),
            10_000);
    String scrape = registry.scrape();
    metrics.close();
    return scrape;
  }

  static Set<String> families(String scrape) {
    Set<String> names = new TreeSet<>();
    Matcher matcher = FAMILY.matcher(scrape);
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  static Set<String> documented() throws IOException {
    Set<String> names = new TreeSet<>();
    Matcher matcher = DOCUMENTED.matcher(Files.readString(DOCS));
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  @Test
  void everyMeshgateSeriesIsDocumentedAndEveryDocumentedSeriesExists() throws IOException {
    // given a registry with every meter used
    Set<String> exposed = families(scrapeWithEveryMeterUsed());
    // Micrometer's "_max" gauge beside each histogram is documented once, with the histograms.
    exposed.removeIf(name -> name.endsWith("_max") && exposed.contains(name.replace("_max", "")));

    // when docs/metrics.md is read
    Set<String> documented = documented();

    // then they list the same series
    assertThat(exposed).as("series exposed").isNotEmpty();
    assertThat(documented).as("series documented in " + DOCS).isEqualTo(exposed);
  }

  @Test
  void aScrapeHoldsNoNodeIdVersionOrResourceNameAsALabel() {
    String scrape = scrapeWithEveryMeterUsed();

    assertThat(scrape).doesNotContain("node=", "node_id=", "version=", "nonce=", "name=");
  }
}
