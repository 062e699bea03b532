package io.meshgate.xds.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Durations on the command line: {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h30m}. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

  @Override
  public Duration convert(String value) {
    Matcher matcher = PART.matcher(value);
    Duration total = Duration.ZERO;
    int end = 0;
    while (matcher.find() && matcher.start() == end) {
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
    if (end == 0 || end != value.length()) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a duration (expected e.g. 30s, 500ms, 2m, 1h30m)");
    }
    return total;
  }
}
