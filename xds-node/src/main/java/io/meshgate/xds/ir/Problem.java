package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/**
 * Something in a resource that could not be translated as written: the resource, a JSON pointer
 * into it, why (the reason of the resource's ResolvedRefs=False) and what is wrong. The message
 * does not carry the reason; {@link #text()} adds it for people.
 */
public record Problem(SourceRef source, String path, ProblemReason reason, String message) {
  public Problem {
    requireNonNull(source, "source");
    requireNonNull(path, "path");
    requireNonNull(reason, "reason");
    requireNonNull(message, "message");
  }

  public static Problem of(SourceRef source, String path, ProblemReason reason, String message) {
    return new Problem(source, path, reason, message);
  }

  /** A group whose translation failed as a whole (a bug; the group keeps its last good config). */
  public static Problem translationFailed(SourceRef source, Throwable e) {
    return of(source, "", ProblemReason.TRANSLATION_FAILED, translationFailedMessage(e));
  }

  private static String translationFailedMessage(Throwable e) {
    return "translation failed ("
        + e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : ": " + e.getMessage())
        + "); its proxies keep the last good config";
  }

  /**
   * The message as people read it (problems.txt, a condition's message): with the reason in
   * parentheses, unless that says no more than Invalid.
   */
  public String text() {
    return reason == ProblemReason.INVALID ? message : message + " (" + reason.wireName() + ")";
  }

  @Override
  public String toString() {
    return source.key() + " " + path + ": " + text();
  }
}
