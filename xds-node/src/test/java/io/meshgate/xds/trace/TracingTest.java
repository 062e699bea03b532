package io.meshgate.xds.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TracingTest {
  @Test
  void withoutAnOtlpEndpointNoSdkIsBuilt() {
    Tracing tracing = Tracing.fromEnvironment(Map.of("OTEL_SERVICE_NAME", "edge"));

    assertThat(tracing.on()).isFalse();
    assertThat(tracing.openTelemetry()).isSameAs(OpenTelemetry.noop());
  }

  @Test
  void otelSdkDisabledWinsOverAnEndpoint() {
    Tracing tracing =
        Tracing.fromEnvironment(
            Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://127.0.0.1:4318",
                "OTEL_SDK_DISABLED",
                "true"));

    assertThat(tracing.on()).isFalse();
    assertThat(tracing.openTelemetry()).isSameAs(OpenTelemetry.noop());
  }

  @Test
  void anOtlpEndpointBuildsTheSdk() {
    try (Tracing tracing =
        Tracing.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"))) {
      assertThat(tracing.on()).isTrue();
      assertThat(tracing.openTelemetry()).isInstanceOf(OpenTelemetrySdk.class);
    }
  }

  @Test
  void aTraceparentReadsBackAsTheParentItNames() {
    String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    Span parent = Span.fromContext(Tracing.parent(Optional.of(traceparent)));

    assertThat(Tracing.traceparent(parent)).isEqualTo(traceparent);
    assertThat(Span.fromContext(Tracing.parent(Optional.of("00-bad"))).getSpanContext().isValid())
        .isFalse();
  }

  @Test
  void settingsTheSdkCannotUseLeaveTracingOff() {
    Tracing tracing =
        Tracing.fromEnvironment(
            Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));

    assertThat(tracing.on()).isFalse();
  }
}
