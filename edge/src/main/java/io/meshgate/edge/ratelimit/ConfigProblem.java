package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

/**
 * Why a rate limit config is refused, with a path into it like {@code /domains/0/descriptors/1}.
 */
public record ConfigProblem(String path, String message) {
  public ConfigProblem {
    requireNonNull(path, "path");
    requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return path + ": " + message;
  }
}
