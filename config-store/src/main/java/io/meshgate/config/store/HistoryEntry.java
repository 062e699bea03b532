package io.meshgate.config.store;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Resource;

/**
 * One generation of a resource's current life, as kept under {@code
 * /meshgate/v1/history/<kind>/<ns>/<name>/<uid>/<generation>}: the resource as stored, and the
 * event that made it.
 *
 * @param time when the applier stored it (RFC 3339)
 * @param source who published it (the event's {@code ce_source})
 */
public record HistoryEntry(
    long generation, String eventId, String time, String source, Resource resource) {
  public HistoryEntry {
    requireNonNull(eventId, "eventId");
    requireNonNull(time, "time");
    requireNonNull(resource, "resource");
    source = source == null ? "" : source;
  }
}
