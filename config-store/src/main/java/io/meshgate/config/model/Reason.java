package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

/**
 * Why an event was rejected: a JSON pointer into the event's value (empty for the event as a whole)
 * and a message a user can act on.
 */
public record Reason(String path, String message) {
  public Reason {
    requireNonNull(path, "path");
    requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return (path.isEmpty() ? "(event)" : path) + ": " + message;
  }
}
