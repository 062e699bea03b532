package io.meshgate.xds.cli;

import io.meshgate.config.model.Durations;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Durations on the command line, as in resources: {@code 30s}, {@code 500ms}, {@code 2m}, {@code
 * 1h30m}.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a duration (expected e.g. 30s, 500ms, 2m, 1h30m)");
    }
  }
}
