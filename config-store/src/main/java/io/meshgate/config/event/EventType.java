package io.meshgate.config.event;

import java.util.Arrays;
import java.util.Optional;

/** The {@code ce_type} of an event. */
public enum EventType {
  /** A resource is created or replaced; the value is the resource. */
  APPLIED("io.meshgate.resource.applied"),
  /** A resource is deleted; the value names it. */
  DELETED("io.meshgate.resource.deleted"),
  /** Several resources of one namespace applied and deleted as one, all or nothing. */
  CHANGESET("io.meshgate.changeset");

  private final String ceType;

  EventType(String ceType) {
    this.ceType = ceType;
  }

  public String ceType() {
    return ceType;
  }

  public static Optional<EventType> fromCeType(String ceType) {
    return Arrays.stream(values()).filter(t -> t.ceType.equals(ceType)).findFirst();
  }
}
