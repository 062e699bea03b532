package io.meshgate.xds.trace;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.pipeline.AppliedRecords;
import io.meshgate.xds.pipeline.Pipeline;
import io.meshgate.xds.serve.StreamEvents;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A replica's spans of the config events it serves: for each event a build newly contains (applied
 * after the previous build's revision, up to this one's), a {@code build} span, child of the
 * event's stored context (the applier's apply span), from the build's start to its end; and at the
 * first response sent to any stream from a snapshot of that revision or a later one, a {@code push}
 * span, child of the build span. Events applied without a trace context get neither.
 *
 * <p>Threading: {@link #built} runs on the pipeline's thread, {@link #sent} on gRPC's threads for
 * every response, so its common case (nothing awaits a push) is two volatile reads.
 */
public final class ReplicaSpans implements Pipeline.BuildListener, StreamEvents {
  /** Build spans kept waiting for a first push (a group no proxy is connected to gets none). */
  static final int MAX_AWAITING = 1024;

  /** The applied events a build from {@code upTo} newly holds: {@link AppliedRecords#between}. */
  @FunctionalInterface
  public interface AppliedEvents {
    List<AppliedRecords.Applied> between(long after, long upTo);
  }

  private final Tracer tracer;
  private final AppliedEvents applied;
  private final LongSupplier buildStartedNanos;
  private final Clock clock;

  /** The revision of the previous build; pipeline thread only. */
  private long previous = -1;

  private final Object lock = new Object();

  // Guarded by lock: build spans by build revision, waiting for a response of that revision.
  private final TreeMap<Long, List<Span>> awaiting = new TreeMap<>();
  private int awaitingSpans;

  // Guarded by lock: the latest revision a response was sent from, and when it first was.
  private long sentRevision = -1;
  private Instant sentAt = Instant.EPOCH;
  private String sentGroup = "";
  private String sentType = "";

  private volatile long lowestAwaiting = Long.MAX_VALUE;
  private volatile long highestSent = -1;

  public ReplicaSpans(
      Tracing tracing, AppliedEvents applied, LongSupplier buildStartedNanos, Clock clock) {
    this.tracer = requireNonNull(tracing, "tracing").tracer();
    this.applied = requireNonNull(applied, "applied");
    this.buildStartedNanos = requireNonNull(buildStartedNanos, "buildStartedNanos");
    this.clock = requireNonNull(clock, "clock");
  }

  @Override
  public void built(
      ConfigSnapshot config, ResolvedIr resolved, EndpointDiscovery.Discovered discovered) {
    long revision = config.revision();
    List<AppliedRecords.Applied> events =
        applied.between(previous, revision).stream()
            .filter(e -> e.traceparent().isPresent())
            .toList();
    previous = Math.max(previous, revision);
    if (events.isEmpty()) {
      return;
    }
    Instant end = clock.instant();
    Instant start = end.minusNanos(Math.max(0, System.nanoTime() - buildStartedNanos.getAsLong()));
    List<Span> spans = new ArrayList<>();
    for (AppliedRecords.Applied event : events) {
      Span build =
          tracer
              .spanBuilder("build")
              .setParent(Tracing.parent(event.traceparent()))
              .setStartTimestamp(start)
              .setAttribute("meshgate.etcd.revision", revision)
              .setAttribute("meshgate.event.revision", event.revision())
              .setAttribute(
                  "messaging.destination.partition.id", Integer.toString(event.partition()))
              .setAttribute("messaging.kafka.offset", event.offset())
              .setAttribute("meshgate.groups", (long) resolved.groups().size())
              .startSpan();
      build.end(end);
      spans.add(build);
    }
    synchronized (lock) {
      if (sentRevision >= revision) {
        // A stream was sent the new snapshot before this listener ran: that was the first push.
        spans.forEach(b -> push(b, sentAt, sentGroup, sentType));
        return;
      }
      awaiting.computeIfAbsent(revision, r -> new ArrayList<>()).addAll(spans);
      awaitingSpans += spans.size();
      while (awaitingSpans > MAX_AWAITING) {
        awaitingSpans -= awaiting.pollFirstEntry().getValue().size();
      }
      lowestAwaiting = awaiting.isEmpty() ? Long.MAX_VALUE : awaiting.firstKey();
    }
  }

  @Override
  public void sent(long id, String group, String typeUrl, long revision) {
    if (revision <= highestSent && revision < lowestAwaiting) {
      return;
    }
    synchronized (lock) {
      Instant now = clock.instant();
      if (revision > sentRevision) {
        sentRevision = revision;
        sentAt = now;
        sentGroup = group;
        sentType = typeUrl;
        highestSent = revision;
      }
      for (Iterator<Map.Entry<Long, List<Span>>> it =
              awaiting.headMap(revision, true).entrySet().iterator();
          it.hasNext(); ) {
        List<Span> builds = it.next().getValue();
        builds.forEach(b -> push(b, now, group, typeUrl));
        awaitingSpans -= builds.size();
        it.remove();
      }
      lowestAwaiting = awaiting.isEmpty() ? Long.MAX_VALUE : awaiting.firstKey();
    }
  }

  private void push(Span build, Instant at, String group, String typeUrl) {
    tracer
        .spanBuilder("push")
        .setParent(Context.root().with(build))
        .setStartTimestamp(at)
        .setAttribute("meshgate.group", group)
        .setAttribute("meshgate.xds.type_url", typeUrl)
        .startSpan()
        .end(at.plusNanos(TimeUnit.MICROSECONDS.toNanos(1)));
  }

  @Override
  public void opened(Opened stream) {}

  @Override
  public void closed(long id) {}
}
