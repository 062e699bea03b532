package io.meshgate.config.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The applier's status of one resource, stored at {@code /meshgate/v1/status/...}: the Accepted
 * condition of the stored generation, and the outcomes of the last {@value #MAX_EVENTS} events,
 * oldest first. It outlives a delete, so the Deleted outcome stays visible.
 *
 * @param uid the stored resource's uid; absent when nothing is stored
 * @param generation the stored generation; absent when nothing is stored
 */
public record ApplierStatus(
    String uid, Long generation, List<Condition> conditions, List<EventRecord> events) {
  /** How many event outcomes a status keeps; also the window in which a repeated id is a no-op. */
  public static final int MAX_EVENTS = 32;

  public ApplierStatus {
    conditions = Copies.list(conditions);
    events = Copies.list(events);
  }

  public static ApplierStatus empty() {
    return new ApplierStatus(null, null, List.of(), List.of());
  }

  public boolean hasEvent(String id) {
    return events.stream().anyMatch(e -> e.id().equals(id));
  }

  public Optional<EventRecord> event(String id) {
    return events.stream().filter(e -> e.id().equals(id)).findFirst();
  }

  public Optional<EventRecord> lastEvent() {
    return events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1));
  }

  public Optional<Condition> condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
  }

  /** This status with one more event, keeping the last {@value #MAX_EVENTS}. */
  public ApplierStatus withEvent(EventRecord event) {
    List<EventRecord> next = new ArrayList<>(events);
    next.add(event);
    if (next.size() > MAX_EVENTS) {
      next = next.subList(next.size() - MAX_EVENTS, next.size());
    }
    return new ApplierStatus(uid, generation, conditions, next);
  }

  public ApplierStatus withStored(
      String newUid, Long newGeneration, List<Condition> newConditions) {
    return new ApplierStatus(newUid, newGeneration, newConditions, events);
  }
}
