package io.meshgate.xds.trace;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.apply.Applier;
import io.meshgate.config.apply.IncomingRecord;
import io.meshgate.config.event.Headers;
import io.meshgate.config.store.AppliedOffset;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The applier's span of each event it applies, {@code apply}: a child of the context in the
 * record's {@code traceparent} header ({@code meshgate apply}'s publish span), else a new trace's
 * root; from before the event's etcd transaction to its commit. Its context, not the header's, is
 * what the applier stores with the offset, so the replicas' build spans are its children.
 *
 * <p>Threading: the applier's one thread calls every hook.
 */
public final class ApplySpans implements Applier.Hooks {
  /** Event ids are UUIDs; an id a publisher made longer is cut. */
  static final int MAX_ID_CHARS = 128;

  private final Tracer tracer;

  /**
   * The spans of records not committed yet, by position: several while a batch is planned (the
   * applier asks every record of it before the one commit).
   */
  private final Map<String, Span> open = new HashMap<>();

  public ApplySpans(Tracing tracing) {
    this.tracer = requireNonNull(tracing, "tracing").tracer();
  }

  @Override
  public Optional<String> traceparent(IncomingRecord record) {
    Span again = open.remove(position(record));
    if (again != null) {
      // The same record again, after an etcd outage paused the applier.
      again.setStatus(StatusCode.ERROR, "not committed; the applier retries the event");
      again.end();
    }
    Span span =
        tracer
            .spanBuilder("apply")
            .setParent(
                Tracing.parent(
                    Optional.ofNullable(record.headers().get(AppliedOffset.TRACEPARENT_HEADER))))
            .setSpanKind(SpanKind.CONSUMER)
            .setAttribute("meshgate.event.id", id(record))
            .setAttribute("messaging.destination.name", record.topic())
            .setAttribute(
                "messaging.destination.partition.id", Integer.toString(record.partition()))
            .setAttribute("messaging.kafka.offset", record.offset())
            .startSpan();
    open.put(position(record), span);
    return Optional.of(Tracing.traceparent(span));
  }

  @Override
  public void afterTransaction(IncomingRecord record) {
    Span span = open.remove(position(record));
    if (span != null) {
      span.end();
    }
  }

  private static String position(IncomingRecord record) {
    return record.topic() + "/" + record.partition() + "/" + record.offset();
  }

  private static String id(IncomingRecord record) {
    String id = record.headers().getOrDefault(Headers.ID, "");
    return id.length() <= MAX_ID_CHARS ? id : id.substring(0, MAX_ID_CHARS);
  }
}
