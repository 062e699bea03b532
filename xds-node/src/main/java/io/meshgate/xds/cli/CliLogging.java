package io.meshgate.xds.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The terminal of a command run once shows what the command prints, not what its libraries log: the
 * Kafka client, jetcd, gRPC and Netty stay silent unless {@code -v}/{@code --verbose}. The
 * long-running commands ({@code node}, {@code standalone}, {@code register}) log as configured.
 */
final class CliLogging {
  /** Commands that run as services: their logs are their output. */
  static final Set<String> SERVICES = Set.of("node", "standalone", "register");

  private CliLogging() {}

  /** Runs the parsed command with library logging off unless it is a service or -v was given. */
  static int execute(ParseResult parseResult, CommandLine.IExecutionStrategy next) {
    Runnable restore = format(parseResult).apply();
    try {
      return executeQuietly(parseResult, next);
    } finally {
      restore.run();
    }
  }

  /**
   * {@code --log-format} where it was given (before or after the command), else its default: the
   * environment's {@code MESHGATE_LOG_FORMAT}, the config file, or text.
   */
  static LogFormat format(ParseResult parseResult) {
    String value = null;
    for (ParseResult r = parseResult; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption("--log-format")) {
        value = r.matchedOptionValue("--log-format", null);
      }
    }
    if (value == null) {
      OptionSpec option = parseResult.commandSpec().findOption("--log-format");
      value = option == null || option.getValue() == null ? "text" : option.getValue().toString();
    }
    try {
      return LogFormat.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          parseResult.commandSpec().commandLine(), "--log-format: " + e.getMessage());
    }
  }

  private static int executeQuietly(ParseResult parseResult, CommandLine.IExecutionStrategy next) {
    if (!quiet(parseResult)) {
      return next.execute(parseResult);
    }
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext context)) {
      return next.execute(parseResult);
    }
    Map<Logger, Level> before = new LinkedHashMap<>();
    for (Logger logger : context.getLoggerList()) {
      if (logger.getLevel() != null && !meshgate(logger.getName())) {
        before.put(logger, logger.getLevel());
        logger.setLevel(Level.OFF);
      }
    }
    try {
      return next.execute(parseResult);
    } finally {
      before.forEach(Logger::setLevel);
    }
  }

  /** Whether this command line silences library logging. */
  static boolean quiet(ParseResult parseResult) {
    ParseResult command = parseResult.subcommand();
    if (command != null && SERVICES.contains(command.commandSpec().name())) {
      return false;
    }
    for (ParseResult r = parseResult; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption("--verbose")) {
        return false;
      }
    }
    return true;
  }

  private static boolean meshgate(String logger) {
    return logger.equals("io.meshgate") || logger.startsWith("io.meshgate.");
  }
}
