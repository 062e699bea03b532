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

  /** The message of a group whose translation failed as a whole (a bug; the group is kept). */
  public static String translationFailed(Throwable e) {
    return "translation failed ("
        + e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : ": " + e.getMessage())
        + "); its proxies keep the last good config (TranslationFailed)";
  }
}
