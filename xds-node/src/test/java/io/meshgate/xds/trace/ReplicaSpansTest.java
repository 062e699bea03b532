package io.meshgate.xds.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.pipeline.AppliedRecords.Applied;
import io.meshgate.xds.snapshot.TypeUrls;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReplicaSpansTest {
  private static final String TRACED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private final InMemorySpanExporter exported = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(exported))
                  .build())
          .build();
  private final List<Applied> applied = new ArrayList<>();
  private final ReplicaSpans spans =
      new ReplicaSpans(
          Tracing.with(sdk),
          (after, upTo) ->
              applied.stream().filter(a -> a.revision() > after && a.revision() <= upTo).toList(),
          System::nanoTime,
          Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC));

  @AfterEach
  void closeSdk() {
    sdk.close();
  }

  private static Applied event(long revision, Optional<String> traceparent) {
    return new Applied(
        revision, "meshgate.config", 2, revision * 10, 1_796_637_537_297L, traceparent);
  }

  private void built(long revision) {
    spans.built(
        new ConfigSnapshot(revision, new TreeMap<>()),
        new ResolvedIr(List.of(), List.of()),
        EndpointDiscovery.Discovered.empty());
  }

  private List<SpanData> named(String name) {
    return exported.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
  }

  @Test
  void eachEventABuildNewlyHoldsGetsABuildSpanUnderItsContextAndOnePushAtTheFirstResponse() {
    // given
    applied.add(event(5, Optional.of(TRACED)));
    applied.add(event(7, Optional.empty()));

    // when
    built(7);
    spans.sent(1, "proxyless", TypeUrls.ROUTE, 6);
    spans.sent(2, "proxyless", TypeUrls.ROUTE, 7);
    spans.sent(3, "gateway/default/edge", TypeUrls.CLUSTER, 7);
    built(8);

    // then: one build span, in the event's trace under its context; one push, under the build
    assertThat(named("build")).singleElement();
    SpanData build = named("build").get(0);
    assertThat(build.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(build.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(named("push")).singleElement();
    SpanData push = named("push").get(0);
    assertThat(push.getParentSpanId()).isEqualTo(build.getSpanId());
    assertThat(push.getAttributes().asMap().toString())
        .contains("meshgate.group=proxyless", "meshgate.xds.type_url=" + TypeUrls.ROUTE);
  }

  @Test
  void aResponseSentBeforeTheBuildListenerRunsIsTheFirstPush() {
    // given: the store's change reached a stream before the pipeline told its listeners
    applied.add(event(9, Optional.of(TRACED)));
    spans.sent(1, "gateway/default/edge", TypeUrls.LISTENER, 9);

    // when
    built(9);

    // then
    assertThat(named("push")).singleElement();
    assertThat(named("push").get(0).getParentSpanId()).isEqualTo(named("build").get(0).getSpanId());
    assertThat(named("push").get(0).getAttributes().asMap().toString())
        .contains("meshgate.group=gateway/default/edge");
  }

  @Test
  void anEventWithoutATraceContextGetsNoSpans() {
    applied.add(event(3, Optional.empty()));

    built(3);
    spans.sent(1, "proxyless", TypeUrls.ROUTE, 3);

    assertThat(exported.getFinishedSpanItems()).isEmpty();
  }
}
