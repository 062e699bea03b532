package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The outcome of one event for one resource, as its status keeps it.
 *
 * @param id the event's {@code ce_id}
 * @param generation the generation stored after the event (absent when nothing is stored)
 * @param at when the applier decided, RFC 3339
 * @param source the event's {@code ce_source}
 */
public record EventRecord(
    String id, Outcome outcome, Long generation, List<Reason> reasons, String at, String source) {
  public EventRecord {
    requireNonNull(id, "id");
    requireNonNull(outcome, "outcome");
    reasons = Copies.list(reasons);
  }
}
