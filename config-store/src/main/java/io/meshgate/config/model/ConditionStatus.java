package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * A condition's status, as Gateway API writes it: {@code True}, {@code False} or {@code Unknown}.
 */
public enum ConditionStatus {
  TRUE("True"),
  FALSE("False"),
  UNKNOWN("Unknown");

  private final String wireName;

  ConditionStatus(String wireName) {
    this.wireName = wireName;
  }

  /** The name as stored and printed, e.g. {@code True}. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** By exact wire name ({@code True}). */
  @JsonCreator
  public static ConditionStatus fromWireName(String name) {
    return Arrays.stream(values())
        .filter(s -> s.wireName.equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "condition status: " + name + " (expected: True, False or Unknown)"));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
