package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Something in a resource that could not be translated as written: the resource, a JSON pointer
 * into it, why (the reason of the resource's ResolvedRefs=False) and what is wrong. The message
 * does not carry the reason; {@link #text()} adds it for people.
 */
public record Problem(SourceRef source, String path, ProblemReason reason, String message) {
  private static final Pattern STATED_REASON = Pattern.compile(" \\(([A-Za-z]+)\\)$");

  public Problem {
    requireNonNull(source, "source");
    requireNonNull(path, "path");
    requireNonNull(reason, "reason");
    requireNonNull(message, "message");
  }

  public static Problem of(SourceRef source, String path, ProblemReason reason, String message) {
    return new Problem(source, path, reason, message);
  }

  /**
   * Transitional, for callers that still write the reason into the message: takes a trailing {@code
   * " (Reason)"} naming a {@link ProblemReason} other than Invalid as the reason, else the whole
   * message with {@link ProblemReason#INVALID}. Exact: {@code text()} gives the message back.
   *
   * @deprecated pass the reason: {@link #of(SourceRef, String, ProblemReason, String)}.
   */
  @Deprecated(forRemoval = true)
  public Problem(SourceRef source, String path, String messageWithReason) {
    this(
        source,
        path,
        statedReason(messageWithReason).orElse(ProblemReason.INVALID),
        statedReason(messageWithReason).isPresent()
            ? messageWithReason.substring(0, messageWithReason.lastIndexOf(" ("))
            : messageWithReason);
  }

  /** A group whose translation failed as a whole (a bug; the group keeps its last good config). */
  public static Problem translationFailed(SourceRef source, Throwable e) {
    return of(source, "", ProblemReason.TRANSLATION_FAILED, translationFailedMessage(e));
  }

  /**
   * The text of a group whose translation failed as a whole, reason included.
   *
   * @deprecated use {@link #translationFailed(SourceRef, Throwable)}.
   */
  @Deprecated(forRemoval = true)
  public static String translationFailed(Throwable e) {
    return translationFailedMessage(e) + " (" + ProblemReason.TRANSLATION_FAILED.wireName() + ")";
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

  private static Optional<ProblemReason> statedReason(String messageWithReason) {
    Matcher m = STATED_REASON.matcher(messageWithReason);
    return m.find()
        ? ProblemReason.find(m.group(1)).filter(r -> r != ProblemReason.INVALID)
        : Optional.empty();
  }
}
