package io.meshgate.config.model;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gateway API durations ({@code 1h}, {@code 1m30s}, {@code 500ms}): up to four number-unit pairs,
 * units h, m, s, ms. The one parser for the validator, the translator and the command line.
 */
public final class Durations {
  private static final Pattern PART = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");

  private Durations() {}

  /**
   * @throws IllegalArgumentException for text that is not a duration (the schema's {@link
   *     Patterns#DURATION} says which are)
   */
  public static Duration parse(String text) {
    Duration total = Duration.ZERO;
    Matcher matcher = PART.matcher(text);
    int end = 0;
    while (matcher.find()) {
      if (matcher.start() != end) {
        throw new IllegalArgumentException(
            "duration: '" + text + "' (expected e.g. 10s, 500ms, 1m30s)");
      }
      long amount = Long.parseLong(matcher.group(1));
      total =
          total.plus(
              switch (matcher.group(2)) {
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMillis(amount);
              });
      end = matcher.end();
    }
    if (end != text.length()) {
      throw new IllegalArgumentException(
          "duration: '" + text + "' (expected e.g. 10s, 500ms, 1m30s)");
    }
    return total;
  }
}
