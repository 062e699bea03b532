package io.meshgate.xds.trace;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.store.AppliedOffset;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this process traces, and with what. Off (OpenTelemetry's no-op: no SDK is built, nothing
 * is exported) unless {@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is set; {@code OTEL_SDK_DISABLED=true} wins. When on, the
 * SDK's autoconfiguration reads the other {@code OTEL_*} variables (service name, protocol,
 * headers, sampler, batch settings); meshgate only sets defaults: service name {@code meshgate},
 * OTLP over HTTP ({@code http/protobuf}: the JDK's HTTP client is the sender, there is no gRPC
 * sender), no metrics or logs exporter (metrics are on {@code /metrics}). Settings the SDK cannot
 * use leave tracing off, with a warning.
 */
public final class Tracing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Tracing.class);

  /** The instrumentation scope of meshgate's spans. */
  public static final String SCOPE = "io.meshgate";

  private final OpenTelemetry openTelemetry;
  private final @Nullable OpenTelemetrySdk sdk;

  private Tracing(OpenTelemetry openTelemetry, @Nullable OpenTelemetrySdk sdk) {
    this.openTelemetry = requireNonNull(openTelemetry, "openTelemetry");
    this.sdk = sdk;
  }

  /** No tracing: the no-op OpenTelemetry. */
  public static Tracing off() {
    return new Tracing(OpenTelemetry.noop(), null);
  }

  /** Tracing with an SDK built elsewhere (tests: an in-memory exporter); closing closes it. */
  public static Tracing with(OpenTelemetrySdk sdk) {
    return new Tracing(sdk, sdk);
  }

  /** As this process's environment says. */
  public static Tracing fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * As {@code environment} says: off unless an OTLP endpoint is set and the SDK is not disabled.
   */
  public static Tracing fromEnvironment(Map<String, String> environment) {
    if ("true".equalsIgnoreCase(environment.getOrDefault("OTEL_SDK_DISABLED", "").trim())
        || (blank(environment.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
            && blank(environment.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")))) {
      return off();
    }
    Map<String, String> properties = new HashMap<>();
    properties.put("otel.service.name", "meshgate");
    properties.put("otel.traces.exporter", "otlp");
    // The JDK's HTTP client is the only sender on the class path: OTLP over HTTP, not gRPC.
    properties.put("otel.exporter.otlp.protocol", "http/protobuf");
    properties.put("otel.metrics.exporter", "none");
    properties.put("otel.logs.exporter", "none");
    // The SDK reads the process's environment itself; these make a given map count too (tests).
    environment.forEach(
        (name, value) -> {
          if (name.startsWith("OTEL_")) {
            properties.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value);
          }
        });
    try {
      OpenTelemetrySdk sdk =
          AutoConfiguredOpenTelemetrySdk.builder()
              .addPropertiesSupplier(() -> properties)
              .disableShutdownHook()
              .build()
              .getOpenTelemetrySdk();
      return with(sdk);
    } catch (RuntimeException e) {
      // A tracing setting must not keep a replica from serving: say why, and serve untraced.
      log.warn("tracing is off: the OTEL_* settings are not usable: {}", e.getMessage());
      return off();
    }
  }

  /** Whether spans are recorded and exported. */
  public boolean on() {
    return sdk != null;
  }

  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  public Tracer tracer() {
    return openTelemetry.getTracer(SCOPE);
  }

  /** The context a W3C {@code traceparent} names, or the root context when there is none. */
  public static Context parent(Optional<String> traceparent) {
    Optional<String> valid = traceparent.flatMap(AppliedOffset::traceparent);
    if (valid.isEmpty()) {
      return Context.root();
    }
    String[] parts = valid.get().split("-");
    SpanContext remote =
        SpanContext.createFromRemoteParent(
            parts[1], parts[2], TraceFlags.fromHex(parts[3], 0), TraceState.getDefault());
    return Context.root().with(Span.wrap(remote));
  }

  /** A span's context as a W3C {@code traceparent}: {@code 00-<trace id>-<span id>-<flags>}. */
  public static String traceparent(Span span) {
    SpanContext context = span.getSpanContext();
    return "00-"
        + context.getTraceId()
        + "-"
        + context.getSpanId()
        + "-"
        + context.getTraceFlags().asHex();
  }

  /** Exports what is buffered and stops the SDK (a few seconds at most). */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.close();
    }
  }

  private static boolean blank(@Nullable String value) {
    return value == null || value.isBlank();
  }
}
