package io.meshgate.config.validate;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Gateway API durations ({@code 1h}, {@code 1m30s}, {@code 500ms}) after the schema. */
final class Durations {
  private static final Pattern PART = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");

  private Durations() {}

  static Duration parse(String text) {
    Duration total = Duration.ZERO;
    Matcher matcher = PART.matcher(text);
    int end = 0;
    while (matcher.find()) {
      if (matcher.start() != end) {
        throw new IllegalArgumentException("duration: " + text);
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
      throw new IllegalArgumentException("duration: " + text);
    }
    return total;
  }
}
