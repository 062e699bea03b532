package io.meshgate.xds.trace;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.store.AppliedOffset;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The start of each config event's trace, in the command that publishes it: one {@code publish}
 * span per event, a trace's root, whose context goes in the record's {@code traceparent} header
 * (W3C Trace Context). Closing ends the spans; closing the tracing exports them. With tracing off
 * the events go out unchanged.
 */
public final class PublishSpans implements AutoCloseable {
  private final List<Span> spans = new ArrayList<>();
  private final List<ConfigEvent> events = new ArrayList<>();

  private PublishSpans(Tracing tracing, List<ConfigEvent> events) {
    requireNonNull(tracing, "tracing");
    if (!tracing.on()) {
      this.events.addAll(events);
      return;
    }
    Tracer tracer = tracing.tracer();
    for (ConfigEvent event : events) {
      Span span =
          tracer
              .spanBuilder("publish")
              .setParent(Context.root())
              .setSpanKind(SpanKind.PRODUCER)
              .setAttribute("meshgate.event.id", event.id())
              .setAttribute("messaging.destination.name", event.topic())
              .startSpan();
      spans.add(span);
      Map<String, String> headers = new LinkedHashMap<>(event.headers());
      headers.put(AppliedOffset.TRACEPARENT_HEADER, Tracing.traceparent(span));
      this.events.add(new ConfigEvent(event.topic(), event.key(), headers, event.value()));
    }
  }

  /** Starts a span per event, if {@code tracing} is on. */
  public static PublishSpans start(Tracing tracing, List<ConfigEvent> events) {
    return new PublishSpans(tracing, events);
  }

  /** The events to publish: with their {@code traceparent} header when tracing is on. */
  public List<ConfigEvent> events() {
    return List.copyOf(events);
  }

  @Override
  public void close() {
    spans.forEach(Span::end);
  }
}
