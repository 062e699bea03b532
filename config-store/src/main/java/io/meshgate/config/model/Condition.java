package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

/**
 * One condition, as Gateway API writes them.
 *
 * @param lastTransitionTime RFC 3339
 */
public record Condition(
    String type,
    ConditionStatus status,
    String reason,
    String message,
    Long observedGeneration,
    String lastTransitionTime) {
  public Condition {
    requireNonNull(type, "type");
    requireNonNull(status, "status");
  }
}
