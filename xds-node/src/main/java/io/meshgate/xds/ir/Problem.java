package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/**
 * Something in a resource that could not be translated as written: the resource, a JSON pointer
 * into it, and what is wrong. Problems become ResolvedRefs=False on the resource's status.
 */
public record Problem(SourceRef source, String path, String message) {
  public Problem {
    requireNonNull(source, "source");
    requireNonNull(path, "path");
    requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return source.key() + " " + path + ": " + message;
  }
}
